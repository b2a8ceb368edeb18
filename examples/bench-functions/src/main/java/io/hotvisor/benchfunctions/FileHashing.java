package io.hotvisor.benchfunctions;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/** SHA-256 of a generated "file" ({@code size} bytes, default 64 KiB). */
public final class FileHashing {
    private FileHashing() {
    }

    public static Map<String, Object> main(Map<String, Object> event) throws NoSuchAlgorithmException {
        byte[] data = Inputs.bytes(Inputs.seed(event), Inputs.size(event, 65536));
        return Map.of("sha256", HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)),
                "bytes", data.length);
    }
}
