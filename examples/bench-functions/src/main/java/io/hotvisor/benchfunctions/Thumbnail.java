package io.hotvisor.benchfunctions;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

import javax.imageio.ImageIO;

/**
 * Decodes a generated 256x256 RGB PNG (made once per instance), scales it to 64x64 (nearest neighbour, the same
 * arithmetic in every language) and encodes the thumbnail as PNG with javax.imageio.
 */
public final class Thumbnail {
    static final int SIZE = 256;
    static final int THUMB = 64;
    private static final byte[] INPUT = encode(image(42));

    private Thumbnail() {
    }

    public static Map<String, Object> main(Map<String, Object> event) throws IOException {
        BufferedImage in = ImageIO.read(new ByteArrayInputStream(INPUT));
        BufferedImage out = new BufferedImage(THUMB, THUMB, BufferedImage.TYPE_INT_RGB);
        long sum = 0;
        for (int y = 0; y < THUMB; y++) {
            for (int x = 0; x < THUMB; x++) {
                int rgb = in.getRGB(x * SIZE / THUMB, y * SIZE / THUMB) & 0xffffff;
                out.setRGB(x, y, rgb);
                sum += (rgb >> 16) + ((rgb >> 8) & 0xff) + (rgb & 0xff);
            }
        }
        return Map.of("width", THUMB, "height", THUMB, "pngBytes", encode(out).length, "pixelSum", sum);
    }

    /** A gradient with LCG noise: pixel (x, y) = (x + n, y + n, (x + y) / 2 + n) mod 256, n = next byte & 31. */
    static BufferedImage image(long seed) {
        byte[] noise = Inputs.bytes(seed, SIZE * SIZE);
        BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                int n = noise[y * SIZE + x] & 31;
                img.setRGB(x, y, (((x + n) & 0xff) << 16) | (((y + n) & 0xff) << 8) | (((x + y) / 2 + n) & 0xff));
            }
        }
        return img;
    }

    private static byte[] encode(BufferedImage image) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
