package org.canvaslake.lander;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.canvaslake.common.cli.UsageException;
import org.junit.jupiter.api.Test;

class AwsSettingsTest {

    @Test
    void theRegionOfAStandardQueueUrlIsUsedWhenNoneIsGiven() {
        assertThat(AwsSettings.regionOfQueue("https://sqs.eu-west-1.amazonaws.com/123456789012/canvas-live-events"))
                .contains("eu-west-1");
        assertThat(AwsSettings.regionOfQueue("https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q"))
                .contains("cn-north-1");
        assertThat(AwsSettings.regionOfQueue("http://127.0.0.1:9324/000000000000/q")).isEmpty();
        assertThat(AwsSettings.regionOfQueue("not a url")).isEmpty();

        assertThat(AwsSettings.of(null, null).resolveRegion("eu-west-1")).isEqualTo("eu-west-1");
        assertThat(AwsSettings.of(null, "ap-southeast-2").resolveRegion("eu-west-1")).isEqualTo("ap-southeast-2");
    }

    @Test
    void anEndpointUrlMustBeAUrl() {
        assertThat(AwsSettings.of("http://localhost:4566", null).endpoint()).hasValueSatisfying(
                u -> assertThat(u.getPort()).isEqualTo(4566));
        assertThat(AwsSettings.of(" ", null).endpoint()).isEmpty();
        assertThatThrownBy(() -> AwsSettings.of("localhost:4566", null)).isInstanceOf(UsageException.class)
                .hasMessageContaining("http://localhost:4566");
    }
}
