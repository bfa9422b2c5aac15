package org.canvaslake.common.testing;

import java.io.IOException;
import java.nio.file.AccessDeniedException;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The local file system, except that a listing of one folder (a lake's root) is refused, as S3 refuses a role whose
 * {@code s3:ListBucket} is scoped to its own prefixes by {@code s3:prefix}: the other folders list as usual. Mounted
 * on {@code file://} while a {@link Mount} is open ({@link #mount}).
 */
public final class RootRefusingFileSystem extends LocalFileSystem {

    private static volatile Path refused;
    public static volatile int refusals;

    /** A mount of this file system; closing it puts the local file system back. */
    public interface Mount extends AutoCloseable {
        @Override
        void close();
    }

    /** Serves {@code file://} from this file system (uncached) until the mount is closed, refusing to list {@code root}. */
    public static Mount mount(Configuration hadoop, String root) {
        String before = hadoop.get("fs.file.impl");
        refused = new Path(root);
        refusals = 0;
        hadoop.set("fs.file.impl", RootRefusingFileSystem.class.getName());
        hadoop.setBoolean("fs.file.impl.disable.cache", true);
        return () -> {
            if (before == null) {
                hadoop.unset("fs.file.impl");
            } else {
                hadoop.set("fs.file.impl", before);
            }
            hadoop.unset("fs.file.impl.disable.cache");
            refused = null;
        };
    }

    @Override
    public FileStatus[] listStatus(Path f) throws IOException {
        Path root = refused;
        if (root != null && makeQualified(f).equals(makeQualified(root))) {
            refusals++;
            throw new AccessDeniedException(f + ": listing refused by the test's store (403 Forbidden: the role may"
                    + " list its own prefixes only)");
        }
        return super.listStatus(f);
    }
}
