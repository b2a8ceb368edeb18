package io.hotvisor.runtime;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.ConstantDynamic;
import org.objectweb.asm.Handle;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Rewrites a function class's uses of {@code java.lang.System}'s process-wide state into calls of
 * {@link GuestSystem}, which answers with the function's own: {@code getenv}, {@code out}/{@code err}/{@code in}
 * and their setters, the system properties, {@code console()}; and {@code printStackTrace()} on exceptions, which
 * the JDK writes to the node's {@code System.err}. Direct calls and field reads are rewritten, and so are method
 * handle constants ({@code System::getenv} as a method reference, {@code ldc} of a method handle).
 *
 * <p>Every rewrite has the stack effect of the original ({@code getstatic System.out} becomes
 * {@code invokestatic GuestSystem.out()}, the same size too), so max stack and stack map frames stay valid and the
 * class is written without {@code COMPUTE_*}, as {@link PollWeaver} does. Unlike the polls this rewrite fails
 * closed: a class that cannot be rewritten is not loaded.
 *
 * <p>Not reached: {@code System}'s members looked up by name (reflection, {@code MethodHandles.Lookup.findStatic}),
 * and JDK code that reads them on the function's behalf; see docs/security.md.
 */
final class SystemRedirects {
    private static final String SYSTEM = "java/lang/System";
    private static final String PRINT_STACK_TRACE = "printStackTrace";
    private static final byte[] SYSTEM_BYTES = SYSTEM.getBytes(StandardCharsets.UTF_8);
    private static final byte[] PRINT_STACK_TRACE_BYTES = PRINT_STACK_TRACE.getBytes(StandardCharsets.UTF_8);

    /** Static methods of {@code System}, by name and descriptor, that {@link GuestSystem} replaces as they are. */
    private static final Set<String> METHODS = Set.of(
            "getenv()Ljava/util/Map;",
            "getenv(Ljava/lang/String;)Ljava/lang/String;",
            "setOut(Ljava/io/PrintStream;)V",
            "setErr(Ljava/io/PrintStream;)V",
            "setIn(Ljava/io/InputStream;)V",
            "console()Ljava/io/Console;",
            "getProperties()Ljava/util/Properties;",
            "setProperties(Ljava/util/Properties;)V",
            "getProperty(Ljava/lang/String;)Ljava/lang/String;",
            "getProperty(Ljava/lang/String;Ljava/lang/String;)Ljava/lang/String;",
            "setProperty(Ljava/lang/String;Ljava/lang/String;)Ljava/lang/String;",
            "clearProperty(Ljava/lang/String;)Ljava/lang/String;");
    /** Static fields of {@code System} that become calls of the {@link GuestSystem} method of the same name. */
    private static final Map<String, String> FIELDS = Map.of(
            "out", "Ljava/io/PrintStream;", "err", "Ljava/io/PrintStream;", "in", "Ljava/io/InputStream;");
    private static final String PRINT_STACK_TRACE_REDIRECT = "(Ljava/lang/Object;)V";

    private SystemRedirects() {
    }

    /**
     * The class with its uses of {@code System} redirected; {@code bytes} itself when it names neither
     * {@code java/lang/System} nor {@code printStackTrace} (most classes: nothing to parse).
     *
     * @throws ClassFormatError if ASM cannot rewrite the class
     */
    static byte[] weave(String className, byte[] bytes) {
        if (!contains(bytes, SYSTEM_BYTES) && !contains(bytes, PRINT_STACK_TRACE_BYTES)) {
            return bytes;
        }
        try {
            ClassReader reader = new ClassReader(bytes);
            ClassWriter writer = new ClassWriter(reader, 0);
            reader.accept(new Redirects(writer), 0);
            return writer.toByteArray();
        } catch (RuntimeException e) {
            ClassFormatError error = new ClassFormatError("Class " + className + " of a function cannot be loaded:"
                    + " its uses of java.lang.System could not be redirected to the function's own (" + e + ")");
            error.initCause(e);
            throw error;
        }
    }

    /** Whether {@code needle} occurs in {@code haystack}: a class's constant pool holds the names it uses as UTF-8. */
    static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0, last = haystack.length - needle.length; i <= last; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static boolean redirectsMethod(String owner, String name, String descriptor) {
        return owner.equals(SYSTEM) && METHODS.contains(name + descriptor);
    }

    /**
     * Whether a no-argument {@code printStackTrace()} on {@code owner} is {@code Throwable}'s: the owner is the
     * call's static type, which cannot be checked without loading it, so any class named like an exception counts
     * ({@link GuestSystem#printStackTrace(Object)} copes with one that is not).
     */
    private static boolean throwableLike(String owner) {
        return owner.endsWith("Throwable") || owner.endsWith("Exception") || owner.endsWith("Error");
    }

    /** A method handle constant with the same redirects; anything else as it is. */
    private static Object remap(Object constant) {
        if (constant instanceof Handle h) {
            if (h.getTag() == Opcodes.H_INVOKESTATIC && redirectsMethod(h.getOwner(), h.getName(), h.getDesc())) {
                return new Handle(Opcodes.H_INVOKESTATIC, GuestSystem.INTERNAL_NAME, h.getName(), h.getDesc(), false);
            }
            if (h.getTag() == Opcodes.H_GETSTATIC && h.getOwner().equals(SYSTEM) && FIELDS.containsKey(h.getName())) {
                return new Handle(Opcodes.H_INVOKESTATIC, GuestSystem.INTERNAL_NAME, h.getName(), "()" + h.getDesc(),
                        false);
            }
            if (h.getTag() == Opcodes.H_INVOKEVIRTUAL && h.getName().equals(PRINT_STACK_TRACE)
                    && h.getDesc().equals("()V") && throwableLike(h.getOwner())) {
                return new Handle(Opcodes.H_INVOKESTATIC, GuestSystem.INTERNAL_NAME, PRINT_STACK_TRACE,
                        PRINT_STACK_TRACE_REDIRECT, false);
            }
            return h;
        }
        if (constant instanceof ConstantDynamic c) {
            Object[] args = new Object[c.getBootstrapMethodArgumentCount()];
            for (int i = 0; i < args.length; i++) {
                args[i] = remap(c.getBootstrapMethodArgument(i));
            }
            return new ConstantDynamic(c.getName(), c.getDescriptor(), (Handle) remap(c.getBootstrapMethod()), args);
        }
        return constant;
    }

    private static final class Redirects extends ClassVisitor {
        Redirects(ClassVisitor next) {
            super(Opcodes.ASM9, next);
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                         String[] exceptions) {
            MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
            return mv == null ? null : new MethodRedirects(mv);
        }
    }

    private static final class MethodRedirects extends MethodVisitor {
        MethodRedirects(MethodVisitor next) {
            super(Opcodes.ASM9, next);
        }

        @Override
        public void visitFieldInsn(int opcode, String owner, String name, String descriptor) {
            if (opcode == Opcodes.GETSTATIC && owner.equals(SYSTEM) && descriptor.equals(FIELDS.get(name))) {
                super.visitMethodInsn(Opcodes.INVOKESTATIC, GuestSystem.INTERNAL_NAME, name, "()" + descriptor, false);
                return;
            }
            super.visitFieldInsn(opcode, owner, name, descriptor);
        }

        @Override
        public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
            if (opcode == Opcodes.INVOKESTATIC && redirectsMethod(owner, name, descriptor)) {
                super.visitMethodInsn(Opcodes.INVOKESTATIC, GuestSystem.INTERNAL_NAME, name, descriptor, false);
                return;
            }
            if (opcode == Opcodes.INVOKEVIRTUAL && name.equals(PRINT_STACK_TRACE) && descriptor.equals("()V")
                    && throwableLike(owner)) {
                super.visitMethodInsn(Opcodes.INVOKESTATIC, GuestSystem.INTERNAL_NAME, PRINT_STACK_TRACE,
                        PRINT_STACK_TRACE_REDIRECT, false);
                return;
            }
            super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
        }

        @Override
        public void visitInvokeDynamicInsn(String name, String descriptor, Handle bootstrap, Object... arguments) {
            Object[] args = new Object[arguments.length];
            for (int i = 0; i < args.length; i++) {
                args[i] = remap(arguments[i]);
            }
            super.visitInvokeDynamicInsn(name, descriptor, (Handle) remap(bootstrap), args);
        }

        @Override
        public void visitLdcInsn(Object value) {
            super.visitLdcInsn(remap(value));
        }
    }
}
