package io.hotvisor.benchfunctions;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.Deflater;

/** Deflates (zlib format, level 6) a generated text of {@code size} characters (default 64 KiB). */
public final class Compression {
    private Compression() {
    }

    public static Map<String, Object> main(Map<String, Object> event) {
        byte[] data = Inputs.text(Inputs.seed(event), Inputs.size(event, 65536)).getBytes(StandardCharsets.US_ASCII);
        Deflater deflater = new Deflater(6);
        deflater.setInput(data);
        deflater.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[16384];
        while (!deflater.finished()) {
            out.write(buffer, 0, deflater.deflate(buffer));
        }
        deflater.end();
        return Map.of("original", data.length, "compressed", out.size());
    }
}
