package org.canvaslake.product;

import java.util.List;

import org.canvaslake.product.ProductSchema.Entity;

/**
 * Entities from the Canvas REST snapshots: {@code canvas.users|courses|assignments} (latest copies) and
 * {@code canvas.<entity>_history} (every version with valid_from / valid_to), as the canvas job writes them.
 */
public final class RestEntities extends EntitySource {

    public static final String NAME = "rest";

    private static final List<EntityMapping> MAPPINGS = List.of(
            EntityMapping.of(Entity.USER, "canvas.users", "user_id")
                    .history("canvas.users_history")
                    .latestBy("snapshot_at")
                    .map("user_name", "user_name")
                    .map("user_sortable_name", "user_sortable_name")
                    .map("user_short_name", "user_short_name")
                    .map("user_login_id", "user_login_id")
                    .map("user_email", "user_email")
                    .map("user_sis_id", "user_sis_id")
                    .build(),
            EntityMapping.of(Entity.COURSE, "canvas.courses", "course_id")
                    .history("canvas.courses_history")
                    .latestBy("snapshot_at")
                    .map("course_name", "course_name")
                    .map("course_code", "course_code")
                    .map("course_workflow_state", "course_workflow_state")
                    .map("course_sis_id", "course_sis_id")
                    .map("course_account_id", "course_account_id")
                    .map("course_term_id", "course_term_id")
                    .map("course_start_at", "course_start_at")
                    .map("course_end_at", "course_end_at")
                    .build(),
            EntityMapping.of(Entity.ASSIGNMENT, "canvas.assignments", "assignment_id")
                    .history("canvas.assignments_history")
                    .latestBy("snapshot_at")
                    .map("assignment_name", "assignment_name")
                    .map("assignment_due_at", "assignment_due_at")
                    .map("assignment_points_possible", "assignment_points_possible")
                    .map("assignment_submission_types", "assignment_submission_types")
                    .map("assignment_workflow_state", "assignment_workflow_state")
                    .courseId("assignment_course_id")
                    .build());

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<EntityMapping> mappings() {
        return MAPPINGS;
    }
}
