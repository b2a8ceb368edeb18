package io.hotvisor.benchfunctions;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Map;

/**
 * Breadth-first search over a generated directed graph: {@code size} vertices (default 5000), 4 edges each to
 * vertices drawn from the LCG; answers how many vertices are reachable from 0 and the sum of their depths.
 */
public final class Graph {
    private Graph() {
    }

    public static Map<String, Object> main(Map<String, Object> event) {
        int n = Inputs.size(event, 5000);
        long s = Inputs.seed(event);
        int[] edges = new int[n * 4];
        for (int i = 0; i < edges.length; i++) {
            s = (s * 1103515245L + 12345L) & 0x7fffffffL;
            edges[i] = (int) (s % n);
        }
        int[] depth = new int[n];
        Arrays.fill(depth, -1);
        depth[0] = 0;
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        queue.add(0);
        long visited = 0;
        long depthSum = 0;
        while (!queue.isEmpty()) {
            int v = queue.poll();
            visited++;
            depthSum += depth[v];
            for (int e = v * 4; e < v * 4 + 4; e++) {
                int w = edges[e];
                if (depth[w] < 0) {
                    depth[w] = depth[v] + 1;
                    queue.add(w);
                }
            }
        }
        return Map.of("visited", visited, "depthSum", depthSum);
    }
}
