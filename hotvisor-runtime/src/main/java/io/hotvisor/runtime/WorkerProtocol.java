package io.hotvisor.runtime;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The messages between a node and a Java worker JVM ({@link JavaWorkerMain}), over a Unix-domain socket that only
 * the node and that worker hold: the function's {@code System.out}/{@code System.err} are captured inside the
 * worker and travel in {@link Result}, so nothing the function prints can corrupt the channel.
 *
 * <p>Framing: one tag byte, then the fields; a string is its UTF-8 length as an int ({@code -1} for null) and its
 * bytes. One invocation at a time: the node writes {@link Invoke} and reads one {@link Result}.
 */
final class WorkerProtocol {
    static final byte LOADED = 'L';
    static final byte INVOKE = 'I';
    static final byte RESULT = 'R';
    static final byte EXIT = 'X';
    /** Worker to node: the function called {@code System.exit} with this status; the worker is going away. */
    static final byte EXITING = 'E';
    /**
     * Node to worker, between invocations: park for a checkpoint. The worker answers {@link #PARKED}, closes the
     * socket and waits for the path of its next socket on stdin (see {@code JavaWorkerMain.Link#park}).
     */
    static final byte PARK = 'P';
    static final byte PARKED = 'p';
    /**
     * Node to worker: a warm-up replay ({@code FunctionDispatcher#warmUp}), framed as {@link #INVOKE}. The worker runs
     * it in a handler instance of its own that prints nowhere, and answers a {@link Result} with no output.
     */
    static final byte REPLAY = 'W';
    /** Node to worker: the replays are over; the worker closes their handler instance. No answer. */
    static final byte REPLAYS_DONE = 'D';
    /**
     * The protocol's version: part of a shared snapshot's key ({@link WorkerJvm#snapshotKey}), so that a node never
     * restores a worker that speaks another one (a checkpoint of an older build at the same class path).
     */
    static final int VERSION = 2;
    /** Longest string accepted from the other side: bounded above the node's largest body and result. */
    static final int MAX_STRING_BYTES = 256 * 1024 * 1024;

    private WorkerProtocol() {
    }

    /** The worker's answer once it loaded the function (or failed to: {@code error} is then set). */
    record Loaded(long pid, String errorField, String error) {
        void write(DataOutputStream out) throws IOException {
            out.writeByte(LOADED);
            out.writeLong(pid);
            writeString(out, errorField);
            writeString(out, error);
            out.flush();
        }

        static Loaded read(DataInputStream in) throws IOException {
            expect(in, LOADED);
            return new Loaded(in.readLong(), readString(in), readString(in));
        }
    }

    /** One invocation, or with tag {@link #REPLAY} one warm-up replay. */
    record Invoke(String invocationId, long remainingMillis, String eventJson) {
        void write(DataOutputStream out) throws IOException {
            write(out, INVOKE);
        }

        void write(DataOutputStream out, byte tag) throws IOException {
            out.writeByte(tag);
            writeString(out, invocationId);
            out.writeLong(remainingMillis);
            writeString(out, eventJson);
            out.flush();
        }

        /** Reads what follows an {@link #INVOKE} or {@link #REPLAY} tag. */
        static Invoke readBody(DataInputStream in) throws IOException {
            return new Invoke(readString(in), in.readLong(), readString(in));
        }
    }

    /**
     * How an invocation ended: {@code failureKind} null with the result JSON in {@code value}, or a failure with
     * its type in {@code value}; with what the function printed, and the CPU time of the worker's thread that ran it
     * ({@code cpuNanos}).
     */
    record Result(InvocationFailure.Kind failureKind, String value, String message, List<String> stack,
                  byte[] stdout, byte[] stderr, long droppedOutputBytes, long cpuNanos) {
        /** This result with the CPU time the function took. */
        Result withCpuNanos(long nanos) {
            return new Result(failureKind, value, message, stack, stdout, stderr, droppedOutputBytes, nanos);
        }

        void write(DataOutputStream out) throws IOException {
            out.writeByte(RESULT);
            out.writeByte(failureKind == null ? -1 : failureKind.ordinal());
            writeString(out, value);
            writeString(out, message);
            out.writeInt(stack.size());
            for (String s : stack) {
                writeString(out, s);
            }
            writeBytes(out, stdout);
            writeBytes(out, stderr);
            out.writeLong(droppedOutputBytes);
            out.writeLong(cpuNanos);
            out.flush();
        }

        /** @throws FunctionExited if the function called {@code System.exit} instead */
        static Result read(DataInputStream in) throws IOException {
            byte tag = in.readByte();
            if (tag == EXITING) {
                throw new FunctionExited(in.readInt());
            }
            if (tag != RESULT) {
                throw new IOException("Malformed message from a worker: expected 'R', got " + tag);
            }
            byte kind = in.readByte();
            String value = readString(in);
            String message = readString(in);
            int n = in.readInt();
            if (n < 0 || n > 10_000) {
                throw new IOException("Malformed result from a worker: " + n + " stack frames");
            }
            List<String> stack = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                stack.add(readString(in));
            }
            byte[] stdout = readBytes(in);
            byte[] stderr = readBytes(in);
            long dropped = in.readLong();
            long cpu = in.readLong();
            InvocationFailure.Kind[] kinds = InvocationFailure.Kind.values();
            if (kind < -1 || kind >= kinds.length) {
                throw new IOException("Malformed result from a worker: failure kind " + kind);
            }
            return new Result(kind < 0 ? null : kinds[kind], value, message, stack, stdout, stderr, dropped, cpu);
        }
    }

    /** The function called {@code System.exit(status)} during the invocation. */
    static final class FunctionExited extends IOException {
        private static final long serialVersionUID = 1L;
        final int status;

        FunctionExited(int status) {
            super("The function called System.exit(" + status + ")");
            this.status = status;
        }
    }

    private static void expect(DataInputStream in, byte tag) throws IOException {
        byte got = in.readByte();
        if (got != tag) {
            throw new IOException("Malformed message from a worker: expected '" + (char) tag + "', got " + got);
        }
    }

    static void writeString(DataOutputStream out, String s) throws IOException {
        writeBytes(out, s == null ? null : s.getBytes(StandardCharsets.UTF_8));
    }

    static String readString(DataInputStream in) throws IOException {
        byte[] b = readBytes(in);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        if (b == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(b.length);
        out.write(b);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n == -1) {
            return null;
        }
        if (n < 0 || n > MAX_STRING_BYTES) {
            throw new IOException("Malformed message: a string of " + n + " bytes");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

}
