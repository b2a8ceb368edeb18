package io.hotvisor.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AzureTraceTest {
    static final Path SHARED = TraceBench.root().resolve("../shared/traces/azure2019").normalize();

    @TempDir
    Path dir;

    @Test
    void reads_the_100_function_sample_with_a_memory_share_per_function() {
        AzureTrace trace = AzureTrace.read(SHARED, 100);

        assertThat(trace.functions()).hasSize(100);
        assertThat(trace.minutes()).isEqualTo(1440);
        assertThat(trace.functions()).allSatisfy(f -> {
            assertThat(f.perMinute()).hasSize(1440);
            assertThat(f.averageMs()).isNotNegative();
            assertThat(f.memoryShareMb()).isPositive().isLessThanOrEqualTo(f.appMemoryMb());
        });
        assertThat(trace.functions().stream().mapToLong(f -> f.invocations(781, 1)).sum()).isEqualTo(495);
    }

    @Test
    void splits_an_apps_memory_equally_among_its_functions() throws IOException {
        write("2_inv.csv", "HashFunction,HashApp,HashOwner,minute_1,minute_2\nf1,a,o,1,2\nf2,a,o,0,3\nf3,b,o,4,0\n");
        write("2_run.csv", "HashFunction,HashApp,HashOwner,Count,Average\nf1,a,o,3,100\nf2,a,o,3,200\nf3,b,o,4,50\n");
        write("2_mem.csv", "HashApp,HashOwner,SampleCount,AverageAllocatedMb\na,o,9,300\nb,o,9,128\n");

        AzureTrace trace = AzureTrace.read(dir, 2);

        assertThat(trace.functions()).extracting(AzureTrace.Function::memoryShareMb).containsExactly(150.0, 150.0, 128.0);
        assertThat(trace.functions().get(1).invocations(1, 2)).isEqualTo(3);
    }

    @Test
    void names_the_directory_that_does_not_exist() {
        assertThatThrownBy(() -> AzureTrace.read(dir.resolve("nope"), 100)).isInstanceOf(TraceException.class)
                .hasMessageContaining("Trace directory '" + dir.resolve("nope") + "' does not exist");
    }

    @Test
    void names_the_missing_file_and_what_the_directory_holds() throws IOException {
        write("100_inv.csv", "HashFunction,HashApp,HashOwner,minute_1\n");

        assertThatThrownBy(() -> AzureTrace.read(dir, 100)).isInstanceOf(TraceException.class)
                .hasMessageContaining("100_run.csv' not found").hasMessageContaining("holds: [100_inv.csv]");
    }

    @Test
    void names_a_column_that_is_not_where_the_readme_says() throws IOException {
        write("2_inv.csv", "HashFunction,HashApp,HashOwner,minute_1\nf1,a,o,1\n");
        write("2_run.csv", "HashFunction,HashApp,HashOwner,Count,Avg\nf1,a,o,3,100\n");
        write("2_mem.csv", "HashApp,HashOwner,SampleCount,AverageAllocatedMb\na,o,9,300\n");

        assertThatThrownBy(() -> AzureTrace.read(dir, 2)).isInstanceOf(TraceException.class)
                .hasMessageContaining("2_run.csv' has column 5 'Avg'");
    }

    @Test
    void names_a_value_that_is_not_a_number_and_a_function_without_memory() throws IOException {
        write("2_inv.csv", "HashFunction,HashApp,HashOwner,minute_1\nf1,a,o,x\n");
        write("2_run.csv", "HashFunction,HashApp,HashOwner,Count,Average\nf1,a,o,3,100\n");
        write("2_mem.csv", "HashApp,HashOwner,SampleCount,AverageAllocatedMb\na,o,9,300\n");
        assertThatThrownBy(() -> AzureTrace.read(dir, 2)).hasMessageContaining("Column minute_1 of f1")
                .hasMessageContaining("is 'x', not a number");

        write("2_inv.csv", "HashFunction,HashApp,HashOwner,minute_1\nf1,zz,o,1\n");
        assertThatThrownBy(() -> AzureTrace.read(dir, 2)).hasMessageContaining("App zz of")
                .hasMessageContaining("has no row in");
    }

    private void write(String name, String text) throws IOException {
        Files.writeString(dir.resolve(name), text);
    }
}
