package org.canvaslake.product;

import java.util.List;
import java.util.Optional;

import org.apache.spark.sql.SparkSession;
import org.canvaslake.common.cli.UsageException;
import org.canvaslake.common.lake.Lake;

/** Picks the entity source for a run: the one asked for, or (auto) CD2 when its tables exist, else REST. */
public final class EntitySources {

    public static final String AUTO = "auto";

    /** The source chosen (empty: no entity tables at all) and why, for the run report. */
    public record Choice(Optional<EntitySource> source, String reason) {
        public String name() {
            return source.map(EntitySource::name).orElse("none");
        }
    }

    private EntitySources() {
    }

    public static List<EntitySource> all() {
        return List.of(new Cd2Entities(), new RestEntities());
    }

    public static Choice choose(String requested, SparkSession spark, Lake lake) {
        String wanted = requested == null || requested.isBlank() ? AUTO : requested.trim().toLowerCase();
        EntitySource cd2 = new Cd2Entities();
        EntitySource rest = new RestEntities();
        switch (wanted) {
            case Cd2Entities.NAME, RestEntities.NAME -> {
                EntitySource s = wanted.equals(Cd2Entities.NAME) ? cd2 : rest;
                if (!s.existsIn(spark, lake)) {
                    throw new UsageException("--entities " + wanted + ": none of " + tables(s) + " is in the lake "
                            + lake + ". Run 'canvaslake " + (s == cd2 ? "dap" : "canvas") + "' first, or use "
                            + "--entities " + (s == cd2 ? "rest" : "cd2") + " or auto.");
                }
                return new Choice(Optional.of(s), "entities from " + wanted + " (" + tables(s) + "), as requested");
            }
            case AUTO -> {
                boolean haveCd2 = cd2.existsIn(spark, lake);
                boolean haveRest = rest.existsIn(spark, lake);
                if (haveCd2) {
                    return new Choice(Optional.of(cd2), "entities from cd2 (" + tables(cd2) + "), chosen "
                            + "automatically" + (haveRest ? ": both CD2 and REST tables exist, CD2 is preferred"
                            : ": only CD2 tables exist"));
                }
                if (haveRest) {
                    return new Choice(Optional.of(rest), "entities from rest (" + tables(rest) + "), chosen "
                            + "automatically: no CD2 tables in the lake");
                }
                return new Choice(Optional.empty(), "no entity tables (canvas.* or cd2.*) in the lake: user, course "
                        + "and assignment columns stay empty; run 'canvaslake canvas' or 'canvaslake dap' first");
            }
            default -> throw new UsageException("--entities must be auto, rest or cd2, got '" + requested + "'");
        }
    }

    private static String tables(EntitySource s) {
        return String.join(", ", s.mappings().stream().map(EntityMapping::table).toList());
    }
}
