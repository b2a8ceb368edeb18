from collections import deque

import inputs


def main(event):
    n = inputs.size(event, 5000)
    s = inputs.seed(event)
    edges = [0] * (n * 4)
    for i in range(n * 4):
        s = (s * 1103515245 + 12345) & 0x7FFFFFFF
        edges[i] = s % n
    depth = [-1] * n
    depth[0] = 0
    queue = deque([0])
    visited = 0
    depth_sum = 0
    while queue:
        v = queue.popleft()
        visited += 1
        depth_sum += depth[v]
        for e in range(v * 4, v * 4 + 4):
            w = edges[e]
            if depth[w] < 0:
                depth[w] = depth[v] + 1
                queue.append(w)
    return {"visited": visited, "depthSum": depth_sum}
