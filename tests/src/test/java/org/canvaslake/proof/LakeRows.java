package org.canvaslake.proof;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.delta.DeltaTables;
import org.canvaslake.common.lake.Lake;
import org.canvaslake.common.lake.LakeCatalog;
import org.canvaslake.common.report.RunLog;

/**
 * Every Delta table of a lake (and every table of a SQL schema) as sorted row texts, so two lakes can be compared
 * row for row: equal maps mean equal tables. What differs between any two runs by design is taken out first —
 * columns that name the run or the wall clock, and the run log itself (a crashed run leaves no row in it) — and
 * snapshot times (which are the run's start) are replaced by their rank within the table, so a table whose versions
 * were taken by a re-run at another moment compares equal when it holds the same versions in the same order.
 */
final class LakeRows {

    /** Per table, the columns to leave out ({@code "*"}: every table). */
    record Rules(Map<String, Set<String>> dropColumns, Set<String> rankedTimes, Set<String> setOrNot,
                 Set<String> skipTables) {

        static Rules dropping(String table, String... columns) {
            return new Rules(Map.of(), Set.of(), Set.of(), Set.of(RunLog.TABLE)).drop(table, columns);
        }

        Rules drop(String table, String... columns) {
            Map<String, Set<String>> d = new HashMap<>(dropColumns);
            d.computeIfAbsent(table, k -> new HashSet<>()).addAll(List.of(columns));
            return new Rules(Map.copyOf(d), rankedTimes, setOrNot, skipTables);
        }

        /** Timestamp columns holding snapshot times: compared by rank, not value. */
        Rules rankTimes(String... columns) {
            return new Rules(dropColumns, union(rankedTimes, columns), setOrNot, skipTables);
        }

        /**
         * Columns compared only as set or not (null): for snapshot times when part of a snapshot may legitimately be
         * taken by a later run than the rest (a unit that failed is first seen by the next run), so ranks differ too.
         */
        Rules setOrNot(String... columns) {
            return new Rules(dropColumns, rankedTimes, union(setOrNot, columns), skipTables);
        }

        /** Tables to leave out ({@code db.table}, or {@code sql.<table>} for a SQL schema's). */
        Rules skip(String... tables) {
            return new Rules(dropColumns, rankedTimes, setOrNot, union(skipTables, tables));
        }

        private static Set<String> union(Set<String> set, String... more) {
            Set<String> u = new HashSet<>(set);
            u.addAll(List.of(more));
            return Set.copyOf(u);
        }

        boolean drops(String table, String column) {
            return dropColumns.getOrDefault("*", Set.of()).contains(column)
                    || dropColumns.getOrDefault(table, Set.of()).contains(column);
        }
    }

    /** Tables read at once. */
    private static final int READERS = 4;

    private LakeRows() {
    }

    /** The lake's Delta tables ({@code db.table}, found on disk) as sorted row texts. */
    static Map<String, List<String>> of(SparkSession spark, Path lakeDir, Rules rules) {
        return of(spark, Lake.at(lakeDir.toString()), rules);
    }

    /**
     * The Delta tables of a lake anywhere (local or {@code s3://}) as sorted row texts; the lake's location in a value
     * reads {@code <lake>}, so lakes in two places compare equal.
     */
    static Map<String, List<String>> of(SparkSession spark, Lake lake, Rules rules) {
        List<String> tables = LakeCatalog.discover(spark, lake).stream()
                .filter(t -> !rules.skipTables().contains(t)).toList();
        // a few tables at a time: reading a small table is its log, its files (on S3 each a round trip) and planning,
        // and Spark runs jobs submitted from several threads side by side. Measured: a fifth to a quarter less time
        // (an events lake's 18 tables on S3 Proxy, the events and canvas crash drills' local lakes)
        ExecutorService pool = Executors.newFixedThreadPool(READERS, r -> {
            Thread t = new Thread(r, "lake-rows");
            t.setDaemon(true);
            return t;
        });
        try {
            Map<String, Future<List<String>>> reads = new TreeMap<>();
            for (String table : tables) {
                reads.put(table, pool.submit(() -> rows(spark, lake, table, rules)));
            }
            Map<String, List<String>> out = new TreeMap<>();
            for (Map.Entry<String, Future<List<String>>> read : reads.entrySet()) {
                out.put(read.getKey(), read.getValue().get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted reading " + lake.root(), e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Cannot read the tables of " + lake.root() + ": " + e.getCause(),
                    e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** One table's rows as sorted texts. */
    private static List<String> rows(SparkSession spark, Lake lake, String table, Rules rules) {
        String localDir = lake.isLocal() ? lake.localRoot().toString() : null;
        Dataset<Row> rows = DeltaTables.read(spark, lake.table(table));
        String[] keep = Arrays.stream(rows.columns()).filter(c -> !rules.drops(table, c)).sorted()
                .toArray(String[]::new);
        List<Row> collected = rows.selectExpr(Arrays.stream(keep).map(c -> "`" + c + "`").toArray(String[]::new))
                .collectAsList();
        Map<Object, Integer> ranks = ranks(collected, keep, rules.rankedTimes());
        List<String> texts = new ArrayList<>();
        for (Row r : collected) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < keep.length; i++) {
                Object v = r.get(i);
                if (v != null && rules.setOrNot().contains(keep[i])) {
                    v = "set";
                } else if (v != null && rules.rankedTimes().contains(keep[i])) {
                    v = "t" + ranks.get(v);
                }
                b.append(i == 0 ? "" : ", ").append(keep[i]).append('=').append(v);
            }
            String text = b.toString().replace(lake.root(), "<lake>");
            texts.add(localDir == null ? text : text.replace(localDir, "<lake>"));
        }
        texts.sort(null);
        return texts;
    }

    /** A lake's Delta tables and its SQL mirror's ({@code sql.<table>}, the tables of {@code schema}) together. */
    static Map<String, List<String>> withMirror(SparkSession spark, Lake lake, Connection db, String schema,
                                                Rules rules) {
        Map<String, List<String>> all = new TreeMap<>(of(spark, lake, rules));
        try {
            all.putAll(ofSchema(db, schema, rules));
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the SQL mirror of " + lake.root() + " (schema " + schema + ")",
                    e);
        }
        return all;
    }

    /** Every table of a SQL schema as sorted row texts. */
    static Map<String, List<String>> ofSchema(Connection db, String schema, Rules rules) throws SQLException {
        Map<String, List<String>> out = new TreeMap<>();
        List<String> tables = new ArrayList<>();
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT table_name FROM "
                + "information_schema.tables WHERE table_schema = '" + schema + "' AND table_type = 'BASE TABLE'")) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        for (String table : tables) {
            String name = "sql." + table;
            if (rules.skipTables().contains(name)) {
                continue;
            }
            List<String> texts = new ArrayList<>();
            try (Statement s = db.createStatement();
                 ResultSet rs = s.executeQuery("SELECT * FROM \"" + schema + "\".\"" + table + "\"")) {
                ResultSetMetaData md = rs.getMetaData();
                TreeMap<String, Integer> columns = new TreeMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    if (!rules.drops(name, md.getColumnName(i))) {
                        columns.put(md.getColumnName(i), i);
                    }
                }
                while (rs.next()) {
                    StringBuilder b = new StringBuilder();
                    for (Map.Entry<String, Integer> c : columns.entrySet()) {
                        b.append(b.length() == 0 ? "" : ", ").append(c.getKey()).append('=')
                                .append(rs.getString(c.getValue()));
                    }
                    texts.add(b.toString());
                }
            }
            texts.sort(null);
            out.put(name, texts);
        }
        return out;
    }

    /** What differs, table by table (a few rows each); empty when the maps are equal. */
    static String diff(Map<String, List<String>> expected, Map<String, List<String>> actual) {
        StringBuilder out = new StringBuilder();
        Set<String> names = new TreeSet<>(expected.keySet());
        names.addAll(actual.keySet());
        for (String t : names) {
            List<String> e = expected.getOrDefault(t, null);
            List<String> a = actual.getOrDefault(t, null);
            if (e == null || a == null) {
                out.append("  ").append(t).append(e == null ? ": not in the uninterrupted lake" : ": missing")
                        .append('\n');
                continue;
            }
            if (e.equals(a)) {
                continue;
            }
            List<String> missing = new ArrayList<>(e);
            a.forEach(missing::remove);
            List<String> extra = new ArrayList<>(a);
            e.forEach(extra::remove);
            out.append("  ").append(t).append(": ").append(e.size()).append(" rows expected, ").append(a.size())
                    .append(" found; ").append(missing.size()).append(" missing, ").append(extra.size())
                    .append(" extra\n");
            missing.stream().limit(3).forEach(r -> out.append("    - ").append(cut(r)).append('\n'));
            extra.stream().limit(3).forEach(r -> out.append("    + ").append(cut(r)).append('\n'));
        }
        return out.toString();
    }

    private static Map<Object, Integer> ranks(List<Row> rows, String[] columns, Set<String> ranked) {
        TreeMap<java.time.Instant, List<Object>> times = new TreeMap<>();
        for (Row r : rows) {
            for (int i = 0; i < columns.length; i++) {
                Object v = r.get(i);
                if (ranked.contains(columns[i]) && v != null) {
                    java.time.Instant at = v instanceof java.sql.Timestamp t ? t.toInstant() : (java.time.Instant) v;
                    times.computeIfAbsent(at, k -> new ArrayList<>()).add(v);
                }
            }
        }
        Map<Object, Integer> out = new HashMap<>();
        int n = 0;
        for (List<Object> same : times.values()) {
            for (Object v : same) {
                out.put(v, n);
            }
            n++;
        }
        return out;
    }

    private static String cut(String row) {
        return row.length() > 400 ? row.substring(0, 400) + "…" : row;
    }
}
