package io.hotvisor.benchfunctions;

import java.util.Map;

/**
 * Deterministic inputs, identical in every language: bytes from the LCG {@code s = (s * 1103515245 + 12345) mod 2^31},
 * each byte {@code (s >> 16) & 0xff}; text maps each byte to one of 17 characters ({@code "abcdefghijklmnop "}).
 */
public final class Inputs {
    private static final String LETTERS = "abcdefghijklmnop ";

    private Inputs() {
    }

    public static byte[] bytes(long seed, int size) {
        byte[] out = new byte[size];
        long s = seed;
        for (int i = 0; i < size; i++) {
            s = (s * 1103515245L + 12345L) & 0x7fffffffL;
            out[i] = (byte) ((s >> 16) & 0xff);
        }
        return out;
    }

    public static String text(long seed, int size) {
        byte[] b = bytes(seed, size);
        StringBuilder sb = new StringBuilder(size);
        for (byte x : b) {
            sb.append(LETTERS.charAt((x & 0xff) % LETTERS.length()));
        }
        return sb.toString();
    }

    /** About {@code size} characters of words from a 1000-word vocabulary, joined by single spaces. */
    public static String words(long seed, int size) {
        long s = seed;
        String[] vocabulary = new String[1000];
        for (int v = 0; v < vocabulary.length; v++) {
            s = next(s);
            int length = 2 + (int) ((s >> 16) % 8);
            StringBuilder w = new StringBuilder(length);
            for (int j = 0; j < length; j++) {
                s = next(s);
                w.append((char) ('a' + (s >> 16) % 26));
            }
            vocabulary[v] = w.toString();
        }
        StringBuilder sb = new StringBuilder(size + 16);
        while (sb.isEmpty() || sb.length() + 1 < size) { // as inputs.py: stop once length + 1 >= size
            s = next(s);
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            sb.append(vocabulary[(int) ((s >> 16) % 1000)]);
        }
        return sb.toString();
    }

    /** The next LCG state. */
    static long next(long s) {
        return (s * 1103515245L + 12345L) & 0x7fffffffL;
    }

    static long seed(Map<String, Object> event) {
        Object s = event == null ? null : event.get("seed");
        return s instanceof Number n ? n.longValue() : 42;
    }

    static int size(Map<String, Object> event, int defaultSize) {
        Object s = event == null ? null : event.get("size");
        return s instanceof Number n ? n.intValue() : defaultSize;
    }
}
