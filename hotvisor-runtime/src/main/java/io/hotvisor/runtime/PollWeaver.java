package io.hotvisor.runtime;

import java.lang.System.Logger.Level;
import java.util.HashSet;
import java.util.Set;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Rewrites a function class so that it can be stopped: a call to {@link CancellationPoll#poll()} at the entry of
 * every method (which cuts runaway recursion) and before every backward branch, i.e. a jump or switch to a label
 * already visited in the method's code: the back-edge of every loop that {@code javac} or another compiler emits.
 *
 * <p>The call is {@code invokestatic ()V}: it neither takes nor leaves anything on the operand stack, so the
 * method's maximum stack and its stack map frames stay valid as they are (frames are tied to labels, and ASM
 * moves them with the code). The class is therefore written without {@code COMPUTE_FRAMES} (which would have to
 * load the function's classes to find common super types) and without {@code COMPUTE_MAXS}.
 */
final class PollWeaver {
    private static final System.Logger LOG = System.getLogger(PollWeaver.class.getName());

    private PollWeaver() {
    }

    /**
     * The class with polls woven in, or {@code bytes} unchanged if ASM cannot rewrite it (for example a method
     * that the polls would push over the 64 KB code limit); such a class is logged, and runs unpolled.
     */
    static byte[] weave(String className, byte[] bytes) {
        try {
            ClassReader reader = new ClassReader(bytes);
            ClassWriter writer = new ClassWriter(reader, 0);
            reader.accept(new Polls(writer), 0);
            return writer.toByteArray();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Class " + className + " could not be given cancellation polls and is loaded as"
                    + " it is: its loops cannot be stopped", e);
            return bytes;
        }
    }

    private static final class Polls extends ClassVisitor {
        Polls(ClassVisitor next) {
            super(Opcodes.ASM9, next);
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                         String[] exceptions) {
            MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
            return mv == null ? null : new MethodPolls(mv);
        }
    }

    private static final class MethodPolls extends MethodVisitor {
        private final Set<Label> visited = new HashSet<>();

        MethodPolls(MethodVisitor next) {
            super(Opcodes.ASM9, next);
        }

        private void poll() {
            super.visitMethodInsn(Opcodes.INVOKESTATIC, CancellationPoll.INTERNAL_NAME, CancellationPoll.METHOD,
                    "()V", false);
        }

        @Override
        public void visitCode() {
            super.visitCode();
            poll();
        }

        @Override
        public void visitLabel(Label label) {
            visited.add(label);
            super.visitLabel(label);
        }

        @Override
        public void visitJumpInsn(int opcode, Label label) {
            if (opcode != Opcodes.JSR && visited.contains(label)) {
                poll();
            }
            super.visitJumpInsn(opcode, label);
        }

        @Override
        public void visitTableSwitchInsn(int min, int max, Label dflt, Label... labels) {
            if (backward(dflt, labels)) {
                poll();
            }
            super.visitTableSwitchInsn(min, max, dflt, labels);
        }

        @Override
        public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] labels) {
            if (backward(dflt, labels)) {
                poll();
            }
            super.visitLookupSwitchInsn(dflt, keys, labels);
        }

        private boolean backward(Label dflt, Label[] labels) {
            if (visited.contains(dflt)) {
                return true;
            }
            for (Label l : labels) {
                if (visited.contains(l)) {
                    return true;
                }
            }
            return false;
        }
    }
}
