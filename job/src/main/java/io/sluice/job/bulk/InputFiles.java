package io.sluice.job.bulk;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/** The files a bulk input names, as Flink's file source reads them (a file, or a directory's files, recursively). */
final class InputFiles {
    private InputFiles() {
    }

    /** The regular files under {@code input}, without hidden ones (names starting with '.' or '_'), sorted. */
    static List<Path> list(String input) throws IOException {
        Path root = new Path(input);
        FileSystem fs = root.getFileSystem();
        List<Path> files = new ArrayList<>();
        collect(fs, fs.getFileStatus(root), files, true);
        files.sort(java.util.Comparator.comparing(Path::toString));
        return files;
    }

    private static void collect(FileSystem fs, FileStatus status, List<Path> files, boolean top) throws IOException {
        String name = status.getPath().getName();
        if (!top && (name.startsWith(".") || name.startsWith("_"))) {
            return;
        }
        if (!status.isDir()) {
            files.add(status.getPath());
            return;
        }
        FileStatus[] children = fs.listStatus(status.getPath());
        if (children != null) {
            for (FileStatus child : children) {
                collect(fs, child, files, false);
            }
        }
    }

    /** How a file is named in dead letters: its local path, or its URI on other file systems. */
    static String sourceName(Path file) {
        URI uri = file.toUri();
        return uri.getScheme() == null || "file".equals(uri.getScheme()) ? uri.getPath() : file.toString();
    }
}
