package org.canvaslake.canvas;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import org.canvaslake.common.http.HttpFailure;
import org.canvaslake.common.job.CrashPoints;
import org.canvaslake.common.report.RunReport;
import org.canvaslake.common.text.Redaction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The source half of the job: reads the Canvas lists and saves every page, as received, under
 * {@code raw/canvas_api/}. Users and courses are one list each; assignments and enrollments are one list per course,
 * read by a bounded pool of threads that share the client's rate limit. A course that answers 404 or a page that
 * fails after retries fails only its own unit: it is named in the run report and in the manifest, and the rest of
 * the snapshot goes on. A token that Canvas stops accepting mid-run stops the per-course lists: the rest would only
 * fail one by one.
 */
public final class CanvasFetcher {

    private static final Logger LOG = LoggerFactory.getLogger(CanvasFetcher.class);

    /** A finished raw snapshot of one entity: its folder and manifest. */
    public record Fetched(String dir, RawManifest manifest) {
    }

    private record CourseRef(long id, String state) {
    }

    private final CanvasClient client;
    private final RawSnapshotStore store;

    public CanvasFetcher(CanvasClient client, RawSnapshotStore store) {
        this.client = client;
        this.store = store;
    }

    /** Takes the snapshot of the entities; failures land in the report and the manifests, never as exceptions. */
    public Map<CanvasEntity, Fetched> fetch(List<CanvasEntity> entities, String runId, Instant snapshotAt,
                                            RunReport report) {
        LocalDate dt = snapshotAt.atZone(ZoneOffset.UTC).toLocalDate();
        Map<CanvasEntity, EntityRun> runs = new EnumMap<>(CanvasEntity.class);
        for (CanvasEntity e : entities) {
            String dir = store.runDir(e, dt, runId);
            int stale = store.clear(dir);
            if (stale > 0) {
                LOG.warn("canvas {}: {} file(s) of an earlier try of run {} removed from {}", e.folder(), stale, runId,
                        dir);
                report.note(e.folder() + ": an earlier try of run " + runId + " left " + stale + " raw file(s) in "
                        + dir + "; removed, so that only this try's pages are read");
            }
            runs.put(e, new EntityRun(e, dir, true));
        }
        boolean perCourse = entities.stream().anyMatch(CanvasEntity::perCourse);
        int threads = client.settings().concurrency();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "canvas-fetch");
            t.setDaemon(true);
            return t;
        });
        try {
            Future<?> users = runs.containsKey(CanvasEntity.USERS)
                    ? pool.submit(() -> listAccount(runs.get(CanvasEntity.USERS), null)) : null;
            if (runs.containsKey(CanvasEntity.COURSES) || perCourse) {
                // the course list is read even when courses are not kept: the per-course lists need its ids
                EntityRun courses = runs.getOrDefault(CanvasEntity.COURSES,
                        new EntityRun(CanvasEntity.COURSES, null, false));
                Map<Long, CourseRef> found = Collections.synchronizedMap(new LinkedHashMap<>());
                await(pool.submit(() -> listAccount(courses, found)));
                if (perCourse) {
                    fetchPerCourse(pool, runs, courses, new ArrayList<>(found.values()));
                }
            }
            if (users != null) {
                await(users);
            }
        } finally {
            pool.shutdownNow();
        }

        // pages saved, manifests not: the run folders look cut short, and --from-raw passes them by
        CrashPoints.check(CanvasJob.CRASH_BEFORE_MANIFESTS);
        Map<CanvasEntity, Fetched> out = new EnumMap<>(CanvasEntity.class);
        for (EntityRun run : runs.values()) {
            RawManifest manifest = run.manifest(runId, dt, snapshotAt, client.traffic(run.entity));
            store.writeManifest(run.dir, manifest);
            manifest.failures().forEach(f -> report.fail(f.unit(), f.message()));
            String table = run.entity.table();
            report.count(table, "pages", manifest.pages().size());
            report.count(table, "requests", manifest.requests());
            report.count(table, "throttled", manifest.throttled());
            LOG.info("canvas {}: {} pages, {} objects, {} requests ({} throttled), {} failed units in {} ms -> {}",
                    run.entity.folder(), manifest.pages().size(), manifest.objects(), manifest.requests(),
                    manifest.throttled(), manifest.failures().size(), run.elapsedMillis(), run.dir);
            out.put(run.entity, new Fetched(run.dir, manifest));
        }
        return out;
    }

    private void fetchPerCourse(ExecutorService pool, Map<CanvasEntity, EntityRun> runs, EntityRun courses,
                                List<CourseRef> found) {
        List<EntityRun> targets = runs.values().stream().filter(r -> r.entity.perCourse()).toList();
        if (!courses.complete) {
            String cause;
            synchronized (courses.failures) {
                cause = courses.failures.stream().map(RunReport.Failure::message).collect(Collectors.joining("; "));
            }
            for (EntityRun r : targets) {
                r.complete = false;
                r.fail(r.entity.table(), "not read: the course list could not be read to the end, so the per-course "
                        + "lists would be incomplete (" + cause + ")");
            }
            return;
        }
        List<CourseRef> live = found.stream().filter(c -> !"deleted".equals(c.state))
                .sorted((a, b) -> Long.compare(a.id, b.id)).toList();
        int total = live.size() * targets.size();
        AtomicInteger done = new AtomicInteger();
        int step = Math.max(1, total / 10);
        long start = System.nanoTime();
        // the first answer that says the token itself is no longer accepted: the lists not asked for yet are not
        AtomicReference<String> rejected = new AtomicReference<>();
        List<Future<?>> futures = new ArrayList<>();
        for (CourseRef course : live) {
            for (EntityRun run : targets) {
                futures.add(pool.submit(() -> {
                    if (rejected.get() == null) {
                        listCourse(run, course.id, rejected);
                    } else {
                        run.unread.incrementAndGet();
                    }
                    int n = done.incrementAndGet();
                    if (n % step == 0 || n == total) {
                        LOG.info("canvas per-course lists: {}/{} done ({} courses, {} failed) after {} s", n, total,
                                live.size(), targets.stream().mapToInt(r -> r.failedCourses.size()).sum(),
                                (System.nanoTime() - start) / 1_000_000_000);
                    }
                }));
            }
        }
        futures.forEach(CanvasFetcher::await);
        if (rejected.get() != null) {
            for (EntityRun r : targets) {
                r.complete = false;
                r.fail(r.entity.table(), "stopped: Canvas no longer accepts the token (" + rejected.get() + "); "
                        + r.unread.get() + " of " + live.size() + " course list(s) not read, so the table keeps its"
                        + " previous state. The token was revoked or expired during the run: renew it (--canvas-token,"
                        + " or the secret it names) and run again.");
            }
        }
    }

    /**
     * Whether an answer says the token itself is not accepted (Canvas: 401 "Invalid access token.", for a token
     * deleted or expired), rather than that it may not see one course (401 "user not authorized to perform that
     * action", which fails that course alone).
     */
    static boolean tokenRejected(Exception e) {
        return e instanceof HttpFailure f && f.status() == 401 && f.body() != null
                && f.body().contains("Invalid access token");
    }

    private void listAccount(EntityRun run, Map<Long, CourseRef> courses) {
        try {
            client.list(run.entity, client.firstPage(run.entity, null), page -> {
                run.store(page, null);
                if (courses != null) {
                    for (JsonNode c : page.items()) {
                        Long id = c.hasNonNull("id") ? CanvasCleanser.id(c.get("id")) : null;
                        if (id != null) {
                            courses.put(id, new CourseRef(id, c.path("workflow_state").asText("")));
                        }
                    }
                }
            });
        } catch (Exception e) {
            run.complete = false;
            run.fail(run.entity.table(), "list not read to the end: " + describe(e));
        }
    }

    private void listCourse(EntityRun run, long courseId, AtomicReference<String> rejected) {
        try {
            client.list(run.entity, client.firstPage(run.entity, courseId), page -> run.store(page, courseId));
        } catch (Exception e) {
            if (tokenRejected(e)) {
                rejected.compareAndSet(null, "course " + courseId + ": " + describe(e));
                run.unread.incrementAndGet();
                return;
            }
            String why = e instanceof HttpFailure f && f.isNotFound()
                    ? "course " + courseId + " answered 404 (deleted, or no longer visible to the token, since the "
                    + "course list was read): " + describe(e)
                    : describe(e);
            run.failedCourses.add(courseId);
            run.fail(run.entity.table() + " course " + courseId, why);
        }
    }

    private static String describe(Exception e) {
        return e instanceof HttpFailure ? e.getMessage()
                : e.getClass().getSimpleName() + ": " + Redaction.redact(String.valueOf(e.getMessage()));
    }

    private static void await(Future<?> future) {
        try {
            future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while reading Canvas", e);
        } catch (ExecutionException e) {
            // tasks catch their own failures; anything here is a bug worth surfacing as is
            throw new IllegalStateException("A Canvas fetch task failed unexpectedly: " + e.getCause(), e.getCause());
        }
    }

    /** What one entity's fetch has gathered so far. Thread-safe. */
    private final class EntityRun {
        final CanvasEntity entity;
        final String dir;
        final boolean keepRaw;
        final long startNanos = System.nanoTime();
        final AtomicInteger pageNumber = new AtomicInteger();
        final AtomicLong objects = new AtomicLong();
        final List<RawManifest.PageEntry> pages = Collections.synchronizedList(new ArrayList<>());
        final Set<Long> failedCourses = ConcurrentHashMap.newKeySet();
        /** Course lists not read because the token was no longer accepted. */
        final AtomicInteger unread = new AtomicInteger();
        final List<RunReport.Failure> failures = Collections.synchronizedList(new ArrayList<>());
        volatile boolean complete = true;

        EntityRun(CanvasEntity entity, String dir, boolean keepRaw) {
            this.entity = entity;
            this.dir = dir;
            this.keepRaw = keepRaw;
        }

        void store(CanvasClient.Page page, Long courseId) {
            objects.addAndGet(page.objects());
            if (!keepRaw) {
                return;
            }
            String file = RawSnapshotStore.pageFile(pageNumber.incrementAndGet());
            byte[] body = page.body();
            String text = new String(body, StandardCharsets.UTF_8);
            // verbatim, except credentials: Canvas objects can carry feed tokens and access_token= URLs
            boolean redacted = Redaction.dataNeedsRedaction(text);
            if (redacted) {
                body = Redaction.redactData(text).getBytes(StandardCharsets.UTF_8);
            }
            store.write(dir, file, body);
            pages.add(new RawManifest.PageEntry(file, page.url(), courseId, page.objects(), redacted));
        }

        void fail(String unit, String message) {
            failures.add(new RunReport.Failure(unit, Redaction.redact(message)));
            LOG.warn("canvas {} failed: {}", unit, Redaction.redact(message));
        }

        long elapsedMillis() {
            return (System.nanoTime() - startNanos) / 1_000_000;
        }

        RawManifest manifest(String runId, LocalDate dt, Instant snapshotAt, CanvasClient.Traffic traffic) {
            List<RawManifest.PageEntry> sorted;
            synchronized (pages) {
                sorted = new ArrayList<>(pages);
            }
            sorted.sort(Comparator.comparingInt(p -> RawSnapshotStore.pageNumber(p.file())));
            List<RunReport.Failure> fs;
            synchronized (failures) {
                fs = new ArrayList<>(failures);
            }
            return new RawManifest(entity, runId, dt, snapshotAt, "api", complete, sorted, failedCourses, fs,
                    traffic.requests(), traffic.throttled());
        }
    }
}
