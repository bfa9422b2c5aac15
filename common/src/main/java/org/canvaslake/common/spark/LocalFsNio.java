package org.canvaslake.common.spark;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFs;
import org.apache.hadoop.fs.DelegateToFileSystem;
import org.apache.hadoop.fs.FsServerDefaults;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.local.LocalConfigKeys;

/**
 * The local file system as {@code FileContext} sees it ({@code fs.AbstractFileSystem.file.impl}), on the same raw file
 * system as {@link LocalFileSystemNio}: Hadoop's own ({@code LocalFs}) forks a {@code readlink} process for each path
 * a rename touches, and Delta commits through {@code FileContext.rename}, about 16 forks per commit. The rename
 * itself is Hadoop's (it still refuses to overwrite a commit another writer made first). Local runs only
 * ({@link SparkSessionFactory}).
 */
public final class LocalFsNio extends ChecksumFs {

    public LocalFsNio(URI uri, Configuration conf) throws IOException, URISyntaxException {
        super(new Raw(uri, conf));
    }

    /** What Hadoop's {@code RawLocalFs} is, on {@link LocalFileSystemNio.Raw}. */
    static final class Raw extends DelegateToFileSystem {

        Raw(URI uri, Configuration conf) throws IOException, URISyntaxException {
            super(uri, new LocalFileSystemNio.Raw(), conf, "file", false);
        }

        @Override
        public int getUriDefaultPort() {
            return -1;  // no port
        }

        @Override
        @SuppressWarnings("deprecation")
        public FsServerDefaults getServerDefaults() throws IOException {
            return LocalConfigKeys.getServerDefaults();
        }

        @Override
        public FsServerDefaults getServerDefaults(Path f) throws IOException {
            return LocalConfigKeys.getServerDefaults();
        }

        @Override
        public boolean isValidName(String src) {
            return true;  // any local path is valid
        }
    }
}
