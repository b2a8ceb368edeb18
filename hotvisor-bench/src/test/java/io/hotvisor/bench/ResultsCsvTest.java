package io.hotvisor.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ResultsCsvTest {

    @Test
    void quotes_cells_with_commas_quotes_or_line_breaks_so_later_columns_stay_in_place() {
        Map<String, Object> java = row("configuration", "criu", "snapshot", "ready, last worker restored, 1 restored",
                "steady_us", 2727);
        Map<String, Object> js = row("configuration", "criu", "snapshot", "n/a", "steady_us", 3192);
        Map<String, Object> odd = row("configuration", "say \"hi\"", "snapshot", "two\nlines", "steady_us", 1);

        String csv = Results.csv(Map.of(), List.of(java, js, odd));

        assertThat(csv).isEqualTo("""
                configuration,snapshot,steady_us
                criu,"ready, last worker restored, 1 restored",2727
                criu,n/a,3192
                "say ""hi\"\"","two
                lines",1
                """);
    }

    @Test
    void one_column_per_key_of_any_row_with_an_empty_cell_where_a_row_has_none() {
        Map<String, Object> first = row("a", 1, "b", 2);
        Map<String, Object> second = row("a", 3, "c", 4);

        assertThat(Results.csv(Map.of(), List.of(first, second))).isEqualTo("a,b,c\n1,2,\n3,,4\n");
    }

    @Test
    void the_header_is_one_comment_line_per_entry() {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("command", "bench/hot-start.sh --quick");
        header.put("notes", "first line\nsecond line");

        assertThat(Results.csv(header, List.of(row("a", 1))))
                .isEqualTo("# command: bench/hot-start.sh --quick\n# notes: first line second line\na\n1\n");
    }

    private static Map<String, Object> row(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }
}
