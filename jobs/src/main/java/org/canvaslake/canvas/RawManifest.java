package org.canvaslake.canvas;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.canvaslake.common.json.Json;
import org.canvaslake.common.report.RunReport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code _manifest.json} of one entity's raw snapshot: written after its last page, so a run folder without one was
 * cut short. It says when the snapshot was taken, which pages it holds (and from which URL and course), whether the
 * list is complete, and which courses failed, so a rebuild from raw treats the snapshot exactly as the API run did.
 *
 * @param complete      false when the entity's list could not be read to the end (then it must not be applied)
 * @param failedCourses per-course entities: courses whose list failed; their existing rows are kept, not deleted
 */
public record RawManifest(CanvasEntity entity, String runId, LocalDate dt, Instant snapshotAt, String source,
                          boolean complete, List<PageEntry> pages, Set<Long> failedCourses,
                          List<RunReport.Failure> failures, long requests, long throttled) {

    public static final String FILE = "_manifest.json";

    /** One page file: its name, the (redacted) URL it came from, its course and how many objects it holds. */
    public record PageEntry(String file, String url, Long courseId, int objects, boolean redacted) {
    }

    public RawManifest {
        pages = List.copyOf(pages);
        failedCourses = Set.copyOf(failedCourses);
        failures = List.copyOf(failures);
    }

    public long objects() {
        return pages.stream().mapToLong(PageEntry::objects).sum();
    }

    public String toJson() {
        ObjectNode root = Json.object();
        root.put("entity", entity.folder());
        root.put("run_id", runId);
        root.put("dt", dt.toString());
        root.put("snapshot_at", snapshotAt.toString());
        root.put("source", source);
        root.put("complete", complete);
        root.put("objects", objects());
        root.put("requests", requests);
        root.put("throttled", throttled);
        ArrayNode failed = root.putArray("failed_courses");
        new TreeSet<>(failedCourses).forEach(failed::add);
        ArrayNode f = root.putArray("failures");
        failures.forEach(x -> f.addObject().put("unit", x.unit()).put("message", x.message()));
        ArrayNode p = root.putArray("pages");
        for (PageEntry e : pages) {
            ObjectNode o = p.addObject();
            o.put("file", e.file());
            o.put("url", e.url());
            if (e.courseId() == null) {
                o.putNull("course_id");
            } else {
                o.put("course_id", e.courseId());
            }
            o.put("objects", e.objects());
            o.put("redacted", e.redacted());
        }
        return root.toPrettyString();
    }

    public static RawManifest fromJson(String text, String where) {
        JsonNode root;
        try {
            root = Json.parse(text);
        } catch (RuntimeException e) {
            throw new IllegalStateException("Raw snapshot manifest " + where + " is not valid JSON: " + e.getMessage(), e);
        }
        try {
            List<PageEntry> pages = new ArrayList<>();
            root.get("pages").forEach(p -> pages.add(new PageEntry(p.get("file").asText(), p.get("url").asText(),
                    p.get("course_id").isNull() ? null : p.get("course_id").asLong(), p.get("objects").asInt(),
                    p.path("redacted").asBoolean(false))));
            Set<Long> failed = new TreeSet<>();
            root.get("failed_courses").forEach(n -> failed.add(n.asLong()));
            List<RunReport.Failure> failures = new ArrayList<>();
            root.get("failures").forEach(n -> failures.add(new RunReport.Failure(n.get("unit").asText(),
                    n.get("message").asText())));
            return new RawManifest(CanvasEntity.of(root.get("entity").asText()), root.get("run_id").asText(),
                    LocalDate.parse(root.get("dt").asText()), Instant.parse(root.get("snapshot_at").asText()),
                    root.get("source").asText(), root.get("complete").asBoolean(), pages, failed, failures,
                    root.path("requests").asLong(), root.path("throttled").asLong());
        } catch (RuntimeException e) {
            throw new IllegalStateException("Raw snapshot manifest " + where + " lacks a field this version needs ("
                    + e.getClass().getSimpleName() + "); it was not written by the canvas job", e);
        }
    }
}
