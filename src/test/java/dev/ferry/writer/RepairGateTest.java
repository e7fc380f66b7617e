package dev.ferry.writer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.util.WriteFailedException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RepairGateTest {
    private static final Runnable GO_ON = () -> { };
    private static final long SHORT = TimeUnit.MILLISECONDS.toNanos(200);

    private static Thread start(Runnable r) {
        Thread t = new Thread(r);
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void aRepairWaitsUntilNoSenderIsHalfWayThroughASend() throws Exception {
        RepairGate gate = new RepairGate();
        gate.enterSend(GO_ON);
        CountDownLatch repairing = new CountDownLatch(1);
        Thread repair = start(() -> {
            gate.beginRepair();
            repairing.countDown();
            gate.endRepair();
        });
        assertThat(repairing.await(200, TimeUnit.MILLISECONDS)).as("held up by the sender").isFalse();
        assertThat(gate.repairs()).as("begun, waiting").isEqualTo(1);
        gate.exitSend();
        assertThat(repairing.await(5, TimeUnit.SECONDS)).isTrue();
        repair.join(5_000);
        assertThat(gate.repairs()).isZero();
    }

    @Test
    void noNewSenderGetsInWhileARepairWaitsOrRuns() throws Exception {
        RepairGate gate = new RepairGate();
        gate.enterSend(GO_ON); // a sender inside holds the repair up
        CountDownLatch began = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        Thread repair = start(() -> {
            gate.beginRepair();
            began.countDown();
            try {
                finish.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            gate.endRepair();
        });
        while (gate.repairs() == 0) Thread.onSpinWait();
        Thread.sleep(50); // the repair is queued for the write side
        CountDownLatch sent = new CountDownLatch(1);
        AtomicInteger looks = new AtomicInteger();
        Thread sender = start(() -> {
            gate.enterSend(looks::incrementAndGet);
            sent.countDown();
            gate.exitSend();
        });
        assertThat(sent.await(300, TimeUnit.MILLISECONDS)).as("queued behind the waiting repair").isFalse();
        gate.exitSend();
        assertThat(began.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(sent.await(300, TimeUnit.MILLISECONDS)).as("still out while the repair runs").isFalse();
        assertThat(looks.get()).as("it looked whether to stop while waiting").isPositive();
        finish.countDown();
        assertThat(sent.await(5, TimeUnit.SECONDS)).isTrue();
        repair.join(5_000);
        sender.join(5_000);
    }

    @Test
    void aSenderWaitingForTheGateStopsWhenTheRunDoes() {
        RepairGate gate = new RepairGate();
        CountDownLatch began = new CountDownLatch(1);
        start(() -> {
            gate.beginRepair();
            began.countDown();
            // never ends: a repair that hangs until its deadline
        });
        assertThat(awaitQuietly(began)).isTrue();
        assertThatThrownBy(() -> gate.enterSend(() -> {
            throw new WriteFailedException("target lost");
        })).isInstanceOf(WriteFailedException.class).hasMessage("target lost");
    }

    @Test
    void awaitChangeWakesAtARepairsStartAndEndAndOtherwiseTimesOut() throws Exception {
        RepairGate gate = new RepairGate();
        long seen = gate.generation();
        assertThat(gate.awaitChange(seen, SHORT)).as("nothing happened").isFalse();
        Thread repair = start(() -> {
            gate.beginRepair();
            gate.endRepair();
        });
        assertThat(gate.awaitChange(seen, TimeUnit.SECONDS.toNanos(5))).isTrue();
        repair.join(5_000);
        assertThat(gate.generation()).isEqualTo(seen + 2);
        assertThat(gate.awaitChange(seen, 0)).as("a change before the wait is not missed").isTrue();
        assertThat(gate.repairs()).isZero();
    }

    private static boolean awaitQuietly(CountDownLatch l) {
        try {
            return l.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
