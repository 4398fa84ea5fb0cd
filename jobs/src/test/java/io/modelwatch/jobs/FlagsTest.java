package io.modelwatch.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The one flag parser of every command: its forms, and one line naming the flag for each mistake. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class FlagsTest {

    private static List<String> read(String... args) {
        List<String> seen = new ArrayList<>();
        assertThat(Flags.parse(args, Set.of("--bounded"), (flag, v) -> {
            if (!flag.equals("--bounded") && !flag.equals("--models")) {
                throw Flags.unknown(flag);
            }
            seen.add(flag + "=" + v);
        })).isTrue();
        return seen;
    }

    @Test
    void takesValuesSeparateOrAfterAnEqualsSignAndSwitchesWithout() {
        assertThat(read("--models", "3", "--bounded", "--models=4"))
                .containsExactly("--models=3", "--bounded=null", "--models=4");
    }

    @Test
    void helpAnywhereReadsNothing() {
        List<String> seen = new ArrayList<>();
        assertThat(Flags.parse(new String[] {"--models", "3", "--help"}, Set.of(), (f, v) -> seen.add(f))).isFalse();
        assertThat(seen).isEmpty();
    }

    @Test
    void everyMistakeIsOneLineNamingTheFlag() {
        assertThatThrownBy(() -> read("--models")).isInstanceOf(UsageException.class)
                .hasMessage("--models: needs a value");
        assertThatThrownBy(() -> read("--bounded=yes")).hasMessage("--bounded: takes no value");
        assertThatThrownBy(() -> read("--nope", "1")).hasMessage("unknown option --nope (see --help)");
        assertThatThrownBy(() -> read("stray")).hasMessage("unexpected argument 'stray'");
        assertThatThrownBy(() -> Flags.positiveInt("--parallelism", "0"))
                .hasMessage("--parallelism: must be a positive whole number, not '0'");
        assertThatThrownBy(() -> Flags.intIn("--models", "201", 1, 200))
                .hasMessage("--models: must be a whole number from 1 to 200, not '201'");
        assertThatThrownBy(() -> Flags.integer("--passes", "two")).hasMessage("--passes: not a number: two");
    }

    /** A scrape target needs a known port; a server that prints its address may take any free one. */
    @Test
    void portsAreOneTo65535AndZeroOnlyWhereTheCommandListensAndSaysWhere() {
        assertThat(Flags.port("--prometheus-port", "9249")).isEqualTo(9249);
        assertThatThrownBy(() -> Flags.port("--prometheus-port", "0"))
                .hasMessage("--prometheus-port: must be a port number from 1 to 65535, not '0'");
        assertThatThrownBy(() -> Flags.port("--prometheus-port", "65536")).hasMessageStartingWith("--prometheus-port:");
        assertThat(Flags.listenPort("--port", "0")).isZero();
        assertThatThrownBy(() -> Flags.listenPort("--port", "x"))
                .hasMessage("--port: must be a port number from 0 (any free port) to 65535, not 'x'");
    }
}
