package org.canvaslake.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;

/**
 * Which reported column types the loader takes for its own: a type it takes for another makes every run rebuild the
 * column (and drop and restore the views on it). MySQL is not on the test machine; what it reports is from its manual.
 */
class SqlDialectTest {

    private static final SqlColumn JSON = new SqlColumn("_unparsed", DataTypes.StringType, true, false);
    private static final SqlColumn TEXT = new SqlColumn("name", DataTypes.StringType, false, false);

    @Test
    void aJsonColumnIsLongtextOnMariaDbAndJsonOnMySql() {
        MariaDbDialect mariaDb = new MariaDbDialect();
        assertThat(mariaDb.hasType(JSON, "longtext")).as("MariaDB").isTrue();
        assertThat(mariaDb.hasType(JSON, "json")).as("MySQL").isTrue();
        assertThat(mariaDb.hasType(JSON, "varchar")).isFalse();
        assertThat(mariaDb.hasType(TEXT, "longtext")).isTrue();
        assertThat(mariaDb.hasType(TEXT, "json")).as("a text column MySQL reports as json was changed").isFalse();
    }

    @Test
    void aJsonColumnIsJsonbOnPostgres() {
        PostgresDialect postgres = new PostgresDialect();
        assertThat(postgres.hasType(JSON, "jsonb")).isTrue();
        assertThat(postgres.hasType(JSON, "json")).isFalse();
        assertThat(postgres.hasType(TEXT, "text")).isTrue();
    }
}
