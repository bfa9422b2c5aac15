package org.canvaslake.common.testing;

import java.io.IOException;
import java.net.URI;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * A Hadoop file system whose every call fails with the IOException a bucket without access gives, mounted on a scheme
 * no other test uses ({@link #mount}).
 */
public final class RefusingFileSystem extends FileSystem {

    public static volatile int refusals;
    private URI uri;

    /** A mount of this store on {@code gs://}; closing it unmounts it. */
    public interface Mount extends AutoCloseable {
        @Override
        void close();
    }

    /** Mounts this store on {@code gs://} in {@code hadoop} (uncached, so every use gets a fresh instance). */
    public static Mount mount(Configuration hadoop) {
        hadoop.set("fs.gs.impl", RefusingFileSystem.class.getName());
        hadoop.setBoolean("fs.gs.impl.disable.cache", true);
        return () -> {
            hadoop.unset("fs.gs.impl");
            hadoop.unset("fs.gs.impl.disable.cache");
        };
    }

    @Override
    public void initialize(URI name, Configuration conf) throws IOException {
        super.initialize(name, conf);
        uri = URI.create(name.getScheme() + "://" + name.getAuthority());
    }

    private static IOException refused(Path path) {
        refusals++;
        return new java.nio.file.AccessDeniedException(path + ": refused by the test's store (403 Forbidden)");
    }

    @Override
    public URI getUri() {
        return uri;
    }

    @Override
    public FSDataInputStream open(Path f, int bufferSize) throws IOException {
        throw refused(f);
    }

    @Override
    public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite,
                                     int bufferSize, short replication, long blockSize, Progressable progress)
            throws IOException {
        throw refused(f);
    }

    @Override
    public FSDataOutputStream append(Path f, int bufferSize, Progressable progress)
            throws IOException {
        throw refused(f);
    }

    @Override
    public boolean rename(Path src, Path dst) throws IOException {
        throw refused(src);
    }

    @Override
    public boolean delete(Path f, boolean recursive) throws IOException {
        throw refused(f);
    }

    @Override
    public FileStatus[] listStatus(Path f) throws IOException {
        throw refused(f);
    }

    @Override
    public void setWorkingDirectory(Path dir) {
    }

    @Override
    public Path getWorkingDirectory() {
        return new Path(uri);
    }

    @Override
    public boolean mkdirs(Path f, FsPermission permission) throws IOException {
        throw refused(f);
    }

    @Override
    public FileStatus getFileStatus(Path f) throws IOException {
        throw refused(f);
    }
}
