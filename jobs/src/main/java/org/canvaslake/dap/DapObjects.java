package org.canvaslake.dap;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.canvaslake.common.lake.Lake;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import okhttp3.ResponseBody;

/**
 * Downloads a complete job's objects into the lake, verbatim, under
 * {@code raw/dap/<namespace>/<table>/job=<job id>/part-NNNNN.jsonl.gz}: raw is kept so {@code cd2.*} can be rebuilt,
 * and Spark executors read the files from there on a cluster as well as locally.
 *
 * <p>Each download streams to its file while the gzip stream is decompressed on the side to count records and prove
 * the object whole: a truncated object fails with an I/O error, which the HTTP client retries, rewriting the file
 * from the start.
 */
final class DapObjects {

    private static final Logger LOG = LoggerFactory.getLogger(DapObjects.class);

    /** One downloaded object: where it is, its compressed size and its record count. */
    record Downloaded(String path, long bytes, long records) {
    }

    private DapObjects() {
    }

    static String folder(Lake lake, String namespace, String table, String jobId) {
        return lake.raw("dap/" + namespace + "/" + table + "/job=" + jobId.replaceAll("[^A-Za-z0-9._-]", "_"));
    }

    static List<Downloaded> download(DapClient client, Configuration hadoop, Lake lake, String namespace,
                                     String table, DapJob job) {
        List<Downloaded> out = new ArrayList<>();
        String folder = folder(lake, namespace, table, job.id());
        int part = 0;
        for (String objectId : job.objectIds()) {
            // pre-signed URLs live minutes: ask for each just before its download
            Map<String, String> urls = client.objectUrls(List.of(objectId));
            String base = folder + "/part-" + String.format("%05d", part++);
            long start = System.nanoTime();
            Downloaded d = client.download(urls.get(objectId), response -> copy(response.body(), hadoop, base));
            LOG.info("Downloaded DAP object {} of {} ({} records, {} bytes) to {} in {} ms", part, table, d.records(),
                    d.bytes(), d.path(), (System.nanoTime() - start) / 1_000_000);
            out.add(d);
        }
        return out;
    }

    private static Downloaded copy(ResponseBody body, Configuration hadoop, String base) throws IOException {
        if (body == null) {
            throw new IOException("DAP object download returned no body");
        }
        InputStream raw = new BufferedInputStream(body.byteStream(), 1 << 16);
        raw.mark(2);
        // DAP sends gzip; a plain object is kept plain, under a name Spark will not try to decompress
        boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
        raw.reset();
        Path path = new Path(base + (gzip ? ".jsonl.gz" : ".jsonl"));
        FileSystem fs = FileSystem.get(URI.create(path.toString()), hadoop);
        try (raw; OutputStream file = fs.create(path, true)) {
            CountingTee tee = new CountingTee(raw, file);
            InputStream content = gzip ? new GZIPInputStream(tee, 1 << 16) : tee;
            long records = 0;
            byte[] buf = new byte[1 << 16];
            int n;
            int last = '\n';
            while ((n = content.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        records++;
                    }
                }
                last = buf[n - 1];
            }
            if (last != '\n') {
                records++;
            }
            // anything after the gzip trailer is copied too: the file is the object, byte for byte
            tee.transferTo(OutputStream.nullOutputStream());
            return new Downloaded(path.toString(), tee.count, records);
        }
    }

    /** The field names of the {@code key} object of the first record in the files, or empty. */
    static List<String> firstKeyNames(Configuration hadoop, List<String> files) throws IOException {
        for (String f : files) {
            Path path = new Path(f);
            FileSystem fs = FileSystem.get(URI.create(f), hadoop);
            try (InputStream raw = fs.open(path);
                 InputStream in = f.endsWith(".gz") ? new GZIPInputStream(raw) : raw;
                 java.io.BufferedReader lines = new java.io.BufferedReader(
                         new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.isBlank()) {
                        continue;
                    }
                    List<String> keys = new ArrayList<>();
                    org.canvaslake.common.json.Json.parse(line).path("key").fieldNames().forEachRemaining(keys::add);
                    return keys;
                }
            }
        }
        return List.of();
    }

    /** Passes bytes through while writing them to a file. */
    private static final class CountingTee extends FilterInputStream {
        private final OutputStream copy;
        long count;

        CountingTee(InputStream in, OutputStream copy) {
            super(in);
            this.copy = copy;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                copy.write(b);
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                copy.write(b, off, n);
                count += n;
            }
            return n;
        }
    }
}
