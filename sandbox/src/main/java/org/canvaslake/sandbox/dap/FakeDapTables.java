package org.canvaslake.sandbox.dap;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.canvaslake.common.json.Json;
import org.canvaslake.sandbox.Institution;
import org.canvaslake.sandbox.Institution.Assignment;
import org.canvaslake.sandbox.Institution.Course;
import org.canvaslake.sandbox.Institution.Enrollment;
import org.canvaslake.sandbox.Institution.User;
import org.canvaslake.sandbox.dap.FakeDapTable.Column;
import org.canvaslake.sandbox.dap.FakeDapTable.ExtraColumn;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The tables of the fake DAP {@code canvas} namespace, with Canvas Data 2 column names, derived from the synthetic
 * institution. A few values are deliberately awkward because real CD2 data has them: the service's placeholder for
 * an oversized value ({@value #OVERSIZED}) in a text and in a JSON column, a timestamp beyond year 9999, nullable
 * columns written as {@code ["string","null"]} or {@code oneOf}, and a nested JSON object.
 */
public final class FakeDapTables {

    /** The placeholder DAP writes where a value was too large to include. */
    public static final String OVERSIZED = "__cd2_oversized_truncated__";
    /** An extended-range ISO-8601 timestamp (more than four year digits), as DAP can emit for "never". */
    public static final String FAR_FUTURE = "+10000-01-01T00:00:00Z";

    private static final Instant FOUNDED = Institution.EPOCH.minus(Duration.ofDays(1500));

    private FakeDapTables() {
    }

    public static List<FakeDapTable> canvas() {
        return List.of(accounts(), enrollmentTerms(), users(), pseudonyms(), courses(), assignments(), enrollments(),
                submissions());
    }

    static FakeDapTable accounts() {
        return new FakeDapTable("accounts", "Accounts: the institution and its sub-accounts", List.of(
                key("id"), col("name", str()), col("workflow_state", str()), col("parent_account_id", nullable(int64())),
                col("root_account_id", nullable(int64())), col("sis_source_id", str()), col("default_time_zone", str()),
                col("created_at", dateTime()), col("updated_at", dateTime())),
                List.of(extra("lti_guid", str(), r -> "lti-" + r.get("id").asLong())),
                inst -> {
                    List<ObjectNode> out = new ArrayList<>();
                    out.add(account(Institution.ROOT_ACCOUNT_ID, "Canvas Lake University", null));
                    out.add(account(2, "Faculty of Science", Institution.ROOT_ACCOUNT_ID));
                    out.add(account(3, "Faculty of Arts", Institution.ROOT_ACCOUNT_ID));
                    return out;
                });
    }

    private static ObjectNode account(long id, String name, Long parent) {
        ObjectNode r = Json.object().put("id", id).put("name", name).put("workflow_state", "active");
        r.put("parent_account_id", parent);
        r.put("root_account_id", parent == null ? null : Institution.ROOT_ACCOUNT_ID);
        return r.put("sis_source_id", "ACC" + id).put("default_time_zone", "Europe/Oslo")
                .put("created_at", ts(FOUNDED)).put("updated_at", ts(FOUNDED));
    }

    static FakeDapTable enrollmentTerms() {
        return new FakeDapTable("enrollment_terms", "Enrollment terms", List.of(
                key("id"), col("name", str()), col("workflow_state", str()), col("root_account_id", int64()),
                col("sis_source_id", str()), col("start_at", dateTime()), col("end_at", dateTime()),
                col("created_at", dateTime()), col("updated_at", dateTime())),
                List.of(extra("grading_period_group_id", int64(), r -> null)),
                inst -> List.of(
                        term(1, "Fall 2026", Institution.EPOCH, Institution.EPOCH.plus(Duration.ofDays(110))),
                        term(2, "Spring 2027", Institution.EPOCH.plus(Duration.ofDays(140)),
                                Institution.EPOCH.plus(Duration.ofDays(250)))));
    }

    private static ObjectNode term(long id, String name, Instant start, Instant end) {
        return Json.object().put("id", id).put("name", name).put("workflow_state", "active")
                .put("root_account_id", Institution.ROOT_ACCOUNT_ID).put("sis_source_id", "TERM" + id)
                .put("start_at", ts(start)).put("end_at", ts(end)).put("created_at", ts(FOUNDED))
                .put("updated_at", ts(FOUNDED));
    }

    static FakeDapTable users() {
        return new FakeDapTable("users", "Users", List.of(
                key("id"), col("name", str()), col("sortable_name", str()), col("short_name", str()),
                col("workflow_state", enumOf("registered", "pre_registered", "deleted")),
                col("locale", nullable(str())), col("created_at", dateTime()), col("updated_at", dateTime())),
                List.of(extra("pronouns", nullable(str()), r -> pronouns(r.get("id").asLong())),
                        extra("school_name", nullable(str()), r -> null)),
                inst -> inst.users().stream().map(FakeDapTables::user).toList());
    }

    private static ObjectNode user(User u) {
        ObjectNode r = Json.object().put("id", u.id()).put("name", u.name()).put("sortable_name", u.sortableName())
                .put("short_name", u.shortName()).put("workflow_state", u.workflowState());
        r.put("locale", u.id() % 7 == 0 ? "nb" : null);
        return r.put("created_at", ts(u.createdAt())).put("updated_at", ts(u.createdAt()));
    }

    private static String pronouns(long id) {
        return switch ((int) (id % 4)) {
            case 0 -> "she/her";
            case 1 -> "he/him";
            case 2 -> "they/them";
            default -> null;
        };
    }

    static FakeDapTable pseudonyms() {
        return new FakeDapTable("pseudonyms", "Pseudonyms: the logins of users", List.of(
                key("id"), col("user_id", int64()), col("account_id", int64()), col("unique_id", str()),
                col("sis_user_id", nullable(str())), col("workflow_state", str()),
                col("last_login_at", nullable(dateTime())), col("created_at", dateTime())),
                List.of(extra("authentication_provider_id", nullable(int64()), r -> 1L)),
                inst -> inst.users().stream().map(u -> {
                    ObjectNode r = Json.object().put("id", 1_000_000 + u.id()).put("user_id", u.id())
                            .put("account_id", Institution.ROOT_ACCOUNT_ID).put("unique_id", u.loginId())
                            .put("sis_user_id", u.sisUserId()).put("workflow_state", "active");
                    r.put("last_login_at", u.id() % 3 == 0 ? null : ts(Institution.EPOCH.plus(Duration.ofHours(u.id() % 50))));
                    return r.put("created_at", ts(u.createdAt()));
                }).toList());
    }

    static FakeDapTable courses() {
        ObjectNode settings = Json.object().put("type", "object");
        settings.putObject("additionalProperties");
        return new FakeDapTable("courses", "Courses", List.of(
                key("id"), col("name", str()), col("course_code", str()),
                col("workflow_state", enumOf("available", "completed", "claimed", "deleted")),
                col("account_id", int64()), col("enrollment_term_id", int64()), col("sis_source_id", nullable(str())),
                col("is_public", bool()), col("start_at", nullable(dateTime())), col("conclude_at", nullable(dateTime())),
                col("settings", settings), col("created_at", dateTime()), col("updated_at", dateTime())),
                List.of(extra("time_zone", nullable(str()), r -> "Europe/Oslo")),
                inst -> inst.courses().stream().map(FakeDapTables::course).toList());
    }

    private static ObjectNode course(Course c) {
        ObjectNode r = Json.object().put("id", c.id()).put("name", c.name()).put("course_code", c.courseCode())
                .put("workflow_state", c.workflowState()).put("account_id", c.accountId())
                .put("enrollment_term_id", c.termId()).put("sis_source_id", c.sisCourseId())
                .put("is_public", c.id() % 5 == 0).put("start_at", ts(c.startAt())).put("conclude_at", ts(c.endAt()));
        if (c.id() == 203) {
            r.put("settings", OVERSIZED);
        } else {
            ObjectNode s = r.putObject("settings");
            s.put("hide_final_grades", c.id() % 2 == 0);
            s.putArray("tab_configuration").add("home").add("modules").add("grades");
        }
        return r.put("created_at", ts(c.createdAt())).put("updated_at", ts(c.createdAt()));
    }

    static FakeDapTable assignments() {
        return new FakeDapTable("assignments", "Assignments", List.of(
                key("id"), col("context_id", int64()), col("context_type", enumOf("Course")), col("title", str()),
                col("description", nullable(str())), col("due_at", nullable(dateTime())),
                col("lock_at", nullable(dateTime())), col("points_possible", number()),
                col("submission_types", str()), col("workflow_state", str()), col("created_at", dateTime()),
                col("updated_at", dateTime())),
                List.of(extra("peer_reviews", bool(), r -> r.get("id").asLong() % 9 == 0)),
                inst -> inst.assignments().stream().map(FakeDapTables::assignment).toList());
    }

    private static ObjectNode assignment(Assignment a) {
        ObjectNode r = Json.object().put("id", a.id()).put("context_id", a.courseId()).put("context_type", "Course")
                .put("title", a.name())
                .put("description", a.id() == 5001 ? OVERSIZED : "<p>" + a.name() + ": see the course page.</p>")
                .put("due_at", ts(a.dueAt()));
        r.put("lock_at", a.id() == 5002 ? FAR_FUTURE : null);
        return r.put("points_possible", a.pointsPossible()).put("submission_types", a.submissionTypes())
                .put("workflow_state", a.workflowState()).put("created_at", ts(a.createdAt()))
                .put("updated_at", ts(a.updatedAt()));
    }

    static FakeDapTable enrollments() {
        return new FakeDapTable("enrollments", "Enrollments of users in courses", List.of(
                key("id"), col("user_id", int64()), col("course_id", int64()), col("course_section_id", int64()),
                col("type", enumOf("StudentEnrollment", "TeacherEnrollment", "TaEnrollment")),
                col("workflow_state", str()), col("created_at", dateTime()), col("updated_at", dateTime())),
                List.of(extra("total_activity_time", nullable(int64()), r -> r.get("id").asLong() % 600)),
                inst -> inst.enrollments().stream().map(FakeDapTables::enrollment).toList());
    }

    private static ObjectNode enrollment(Enrollment e) {
        return Json.object().put("id", e.id()).put("user_id", e.userId()).put("course_id", e.courseId())
                .put("course_section_id", e.courseId()).put("type", e.type()).put("workflow_state", e.enrollmentState())
                .put("created_at", ts(e.createdAt())).put("updated_at", ts(e.updatedAt()));
    }

    static FakeDapTable submissions() {
        ObjectNode attempt = int64();
        attempt.put("format", "int32");
        return new FakeDapTable("submissions", "Submissions of students to assignments", List.of(
                key("id"), col("assignment_id", int64()), col("user_id", int64()), col("course_id", int64()),
                col("workflow_state", enumOf("unsubmitted", "submitted", "graded")),
                col("score", nullable(number())), col("grade", nullable(str())), col("attempt", nullable(attempt)),
                col("submitted_at", nullable(dateTime())), col("graded_at", nullable(dateTime())),
                col("created_at", dateTime()), col("updated_at", dateTime())),
                List.of(extra("late", bool(), r -> r.get("id").asLong() % 11 == 0)),
                FakeDapTables::submissionRows);
    }

    private static List<ObjectNode> submissionRows(Institution inst) {
        Map<Long, List<Enrollment>> students = inst.enrollments().stream()
                .filter(e -> e.type().equals("StudentEnrollment"))
                .collect(Collectors.groupingBy(Enrollment::courseId));
        List<ObjectNode> out = new ArrayList<>();
        for (Assignment a : inst.assignments()) {
            for (Enrollment e : students.getOrDefault(a.courseId(), List.of())) {
                long id = a.id() * 1_000_000L + e.userId();
                long h = mix(id);
                ObjectNode r = Json.object().put("id", id).put("assignment_id", a.id()).put("user_id", e.userId())
                        .put("course_id", a.courseId());
                Instant created = e.createdAt().isAfter(a.createdAt()) ? e.createdAt() : a.createdAt();
                if (h % 5 == 0) {
                    r.put("workflow_state", "unsubmitted").putNull("score").putNull("grade").putNull("attempt")
                            .putNull("submitted_at").putNull("graded_at");
                    r.put("created_at", ts(created)).put("updated_at", ts(created));
                } else {
                    double score = Math.floorMod(h, (long) a.pointsPossible() + 1);
                    Instant submitted = a.dueAt().minus(Duration.ofHours(Math.floorMod(h, 48)));
                    Instant graded = submitted.plus(Duration.ofDays(3));
                    // every state of the institution regrades a few submissions, so incrementals carry updates
                    if (inst.version() > 0 && Math.floorMod(id + inst.version(), 23) == 0) {
                        score = Math.max(0, score - 1);
                        graded = Institution.EPOCH.plus(Duration.ofDays(7L * inst.version()));
                    }
                    r.put("workflow_state", "graded").put("score", score).put("grade", String.valueOf((long) score))
                            .put("attempt", 1 + Math.floorMod(h, 3)).put("submitted_at", ts(submitted))
                            .put("graded_at", ts(graded)).put("created_at", ts(created)).put("updated_at", ts(graded));
                }
                out.add(r);
            }
        }
        return out;
    }

    private static long mix(long x) {
        long z = x * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        return Math.abs((z ^ (z >>> 31)) % 1_000_003);
    }

    static String ts(Instant instant) {
        return instant == null ? null : instant.toString();
    }

    private static Column key(String name) {
        return new Column(name, int64(), true);
    }

    private static Column col(String name, ObjectNode schema) {
        return new Column(name, schema, false);
    }

    private static ExtraColumn extra(String name, ObjectNode schema, Function<ObjectNode, Object> value) {
        return new ExtraColumn(col(name, schema), value);
    }

    private static ObjectNode int64() {
        return Json.object().put("type", "integer").put("format", "int64");
    }

    private static ObjectNode str() {
        return Json.object().put("type", "string");
    }

    private static ObjectNode number() {
        return Json.object().put("type", "number").put("format", "double");
    }

    private static ObjectNode bool() {
        return Json.object().put("type", "boolean");
    }

    private static ObjectNode dateTime() {
        return Json.object().put("type", "string").put("format", "date-time");
    }

    private static ObjectNode enumOf(String... values) {
        ObjectNode s = str();
        var arr = s.putArray("enum");
        for (String v : values) {
            arr.add(v);
        }
        return s;
    }

    /** Nullable the two ways JSON Schema says it: a type list for simple types, oneOf for formatted ones. */
    private static ObjectNode nullable(ObjectNode schema) {
        if (!schema.has("format")) {
            ObjectNode out = schema.deepCopy();
            out.putArray("type").add(schema.get("type").asText()).add("null");
            return out;
        }
        ObjectNode out = Json.object();
        out.putArray("oneOf").add(schema).add(Json.object().put("type", "null"));
        return out;
    }
}
