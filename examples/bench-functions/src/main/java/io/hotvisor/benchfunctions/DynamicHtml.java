package io.hotvisor.benchfunctions;

import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;

/** Renders an HTML table of {@code size} generated rows (default 200) with a Mustache template (mustache.java). */
public final class DynamicHtml {
    static final String TEMPLATE = "<html><head><title>{{title}}</title></head><body><h1>{{title}}</h1><table>"
            + "{{#rows}}<tr><td>{{id}}</td><td>{{name}}</td><td>{{value}}</td></tr>{{/rows}}</table></body></html>";
    private static final Mustache MUSTACHE = new DefaultMustacheFactory().compile(new StringReader(TEMPLATE), "page");

    private DynamicHtml() {
    }

    public static Map<String, Object> main(Map<String, Object> event) {
        int n = Inputs.size(event, 200);
        String names = Inputs.text(Inputs.seed(event), n * 8);
        byte[] values = Inputs.bytes(Inputs.seed(event) + 1, n);
        List<Map<String, Object>> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", i);
            row.put("name", names.substring(i * 8, i * 8 + 8));
            row.put("value", values[i] & 0xff);
            rows.add(row);
        }
        StringWriter out = new StringWriter();
        MUSTACHE.execute(out, Map.of("title", "Report <" + n + ">", "rows", rows));
        String html = out.toString();
        return Map.of("length", html.length(), "rows", n);
    }
}
