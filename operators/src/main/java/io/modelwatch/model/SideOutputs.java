package io.modelwatch.model;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.util.OutputTag;

/** Side-output tags in one place, so wiring and functions agree. */
public final class SideOutputs {
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));
    public static final OutputTag<DriftSignal> SIGNALS =
            new OutputTag<>("drift-signals", TypeInformation.of(DriftSignal.class));
    /** Signals that reached an escalation behind its watermark (CEP would drop them). */
    public static final OutputTag<DriftSignal> LATE_SIGNALS =
            new OutputTag<>("late-signals", TypeInformation.of(DriftSignal.class));



    private SideOutputs() {}
}
