package io.hotvisor.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class DensityReportTest {

    @Test
    void geometric_mean_of_ratios_is_the_nth_root_of_their_product() {
        assertThat(DensityReport.geometricMean(List.of(2.0, 8.0)).getAsDouble()).isCloseTo(4.0,
                org.assertj.core.data.Offset.offset(1e-9));
        assertThat(DensityReport.geometricMean(List.of())).isEmpty();
    }

    @Test
    void summarises_each_language_and_connection_count_leaving_out_functions_a_side_did_not_serve() {
        Map<String, Map<String, JsonNode>> byRun = new LinkedHashMap<>();
        byRun.put("hello|js|4", sides(200, 100));     // 2x
        byRun.put("graph|js|4", sides(800, 100));     // 8x
        byRun.put("thumbnail|js|4", sides(0, 100));   // Hotvisor served nothing: no ratio
        byRun.put("hello|java|8", sides(50, 100));    // 0.5x

        String md = DensityReport.geometricMeans(byRun);

        assertThat(md).contains("| js | 4 | 4.00x | 2 | 1 | 26.6x |")
                .contains("| java | 8 | 0.50x | 1 | 0 | 170.0x |");
    }

    private static Map<String, JsonNode> sides(double hotvisor, double baseline) {
        Map<String, JsonNode> m = new LinkedHashMap<>();
        m.put("hotvisor", Results.JSON.createObjectNode().put("ops_per_gb_without_front", hotvisor));
        m.put("baseline", Results.JSON.createObjectNode().put("ops_per_gb_without_front", baseline));
        return m;
    }
}
