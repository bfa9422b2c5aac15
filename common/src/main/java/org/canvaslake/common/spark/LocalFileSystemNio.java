package org.canvaslake.common.spark;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsAction;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * Hadoop's local file system ({@code file://}, with its checksum files) that sets permissions through
 * {@link java.nio.file.Files} instead of a {@code chmod} process per file and directory: without Hadoop's native
 * library, every Parquet file, checksum file and partition directory a local run writes forks one. A month of
 * events compacted in one run writes thousands of them. Installed as {@code fs.file.impl} for local runs only
 * ({@link SparkSessionFactory}); on a file system without POSIX permissions it falls back to Hadoop's way.
 */
public final class LocalFileSystemNio extends LocalFileSystem {

    public LocalFileSystemNio() {
        super(new Raw());
    }

    /** The raw (checksum-free) file system underneath. */
    static final class Raw extends RawLocalFileSystem {

        /**
         * Without the native library Hadoop forks {@code readlink} for this, and a rename through {@code FileContext}
         * (every Delta commit, two per file renamed) asks it of both paths. A path that is no link needs no fork.
         */
        @Override
        public FileStatus getFileLinkStatus(Path f) throws IOException {
            if (!Files.isSymbolicLink(pathToFile(f).toPath())) {
                return getFileStatus(f);  // FileNotFoundException for a missing path, as the link variant throws
            }
            return super.getFileLinkStatus(f);
        }

        @Override
        public void setPermission(Path p, FsPermission permission) throws IOException {
            File file = pathToFile(p);
            try {
                Files.setPosixFilePermissions(file.toPath(), posix(permission));
            } catch (UnsupportedOperationException notPosix) {
                super.setPermission(p, permission);
            }
        }
    }

    static Set<PosixFilePermission> posix(FsPermission permission) {
        Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
        add(out, permission.getUserAction(), PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE);
        add(out, permission.getGroupAction(), PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.GROUP_EXECUTE);
        add(out, permission.getOtherAction(), PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE,
                PosixFilePermission.OTHERS_EXECUTE);
        return out;
    }

    private static void add(Set<PosixFilePermission> out, FsAction action, PosixFilePermission read,
                            PosixFilePermission write, PosixFilePermission execute) {
        if (action.implies(FsAction.READ)) {
            out.add(read);
        }
        if (action.implies(FsAction.WRITE)) {
            out.add(write);
        }
        if (action.implies(FsAction.EXECUTE)) {
            out.add(execute);
        }
    }
}
