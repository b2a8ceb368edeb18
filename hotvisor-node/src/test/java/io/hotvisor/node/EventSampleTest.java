package io.hotvisor.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class EventSampleTest {
    @Test
    void keeps_the_last_sixteen_events_oldest_first_and_skips_ones_over_64_kb() {
        EventSample s = EventSample.of(List.of());
        assertThat(s.takeDirty()).isFalse();
        for (int i = 0; i < 20; i++) {
            s.offer("{\"i\":" + i + "}");
        }
        s.offer("\"" + "x".repeat(EventSample.MAX_EVENT_BYTES) + "\"");
        s.offer("\"" + "\u00e9".repeat(EventSample.MAX_EVENT_BYTES / 2) + "\""); // 2 bytes a char: over the limit

        List<String> expected = new ArrayList<>();
        for (int i = 4; i < 20; i++) {
            expected.add("{\"i\":" + i + "}");
        }
        assertThat(s.events()).containsExactlyElementsOf(expected);
        assertThat(s.takeDirty()).isTrue();
        assertThat(s.takeDirty()).isFalse();

        String largest = "\"" + "y".repeat(EventSample.MAX_EVENT_BYTES - 2) + "\"";
        s.offer(largest);
        assertThat(s.events()).hasSize(EventSample.MAX_EVENTS).last().isEqualTo(largest);
    }

    @Test
    void a_sample_seeded_from_storage_is_not_dirty() {
        EventSample s = EventSample.of(List.of("1", "2"));
        assertThat(s.events()).containsExactly("1", "2");
        assertThat(s.takeDirty()).isFalse();
    }
}
