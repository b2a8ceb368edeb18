package io.hotvisor.runtime;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.ConstantDynamic;
import org.objectweb.asm.Handle;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Rewrites a function class's uses of {@code java.lang.System}'s process-wide state into calls of
 * {@link GuestSystem}, which answers with the function's own: {@code getenv}, {@code out}/{@code err}/{@code in}
 * and their setters, the system properties, {@code console()}; and {@code printStackTrace()} on exceptions, which
 * the JDK writes to the node's {@code System.err}. Direct calls and field reads are rewritten, and so are method
 * handle constants ({@code System::getenv} as a method reference, {@code ldc} of a method handle).
 *
 * <p>Every rewrite has the stack effect of the original ({@code getstatic System.out} becomes
 * {@code invokestatic GuestSystem.out()}), so max stack and stack map frames stay valid and the
 * class is written without {@code COMPUTE_*}, as {@link PollWeaver} does. Unlike the polls this rewrite fails
 * closed: a class that cannot be rewritten is not loaded.
 *
 * <p>The same members looked up by name are reached through {@link GuestReflection}: calls of
 * {@code Method.invoke}, {@code Field.get}, {@code Constructor.newInstance} and {@code Class.newInstance} become an
 * {@code invokedynamic} that it links (for the caller's access checks; a class older than Java 7 calls it
 * directly), calls of the {@code MethodHandles.Lookup} methods that find or unreflect a member or a constructor and
 * of {@code ConstantBootstraps.getStaticFinal}/{@code staticFieldVarHandle} call its methods of the same name; it
 * also refuses there what the deploy scan forbids ({@link JarScanner}). {@code Integer.getInteger},
 * {@code Long.getLong} and {@code Boolean.getBoolean}, which read system properties inside the JDK, call
 * {@link GuestSystem}'s, and so do the
 * methods that answer a class loader ({@code Class.getClassLoader()}, {@code ClassLoader.getSystemClassLoader()},
 * {@code Thread.getContextClassLoader()} and the like, {@link #LOADERS}) and {@code ServiceLoader.load} (which
 * would otherwise use the node's loader); {@code MethodHandles.privateLookupIn}
 * and {@code Lookup.findClass} call {@link GuestReflection}'s.
 * Not reached: other JDK code that reads them on the function's behalf; see docs/security.md.
 */
final class SystemRedirects {
    private static final String SYSTEM = "java/lang/System";
    private static final String PRINT_STACK_TRACE = "printStackTrace";
    private static final String METHOD = "java/lang/reflect/Method";
    private static final String FIELD = "java/lang/reflect/Field";
    private static final String LOOKUP = "java/lang/invoke/MethodHandles$Lookup";
    private static final String CONSTANT_BOOTSTRAPS = "java/lang/invoke/ConstantBootstraps";
    private static final String INVOKE_DESCRIPTOR = "(Ljava/lang/reflect/Method;Ljava/lang/Object;[Ljava/lang/Object;)"
            + "Ljava/lang/Object;";
    private static final String GET_DESCRIPTOR = "(Ljava/lang/reflect/Field;Ljava/lang/Object;)Ljava/lang/Object;";
    private static final String CONSTRUCTOR = "java/lang/reflect/Constructor";
    private static final String NEW_INSTANCE = "newInstance";
    private static final String CONSTRUCTOR_NEW_INSTANCE = "([Ljava/lang/Object;)Ljava/lang/Object;";
    private static final String CONSTRUCTOR_NEW_INSTANCE_DESCRIPTOR = "(L" + CONSTRUCTOR + ";[Ljava/lang/Object;)"
            + "Ljava/lang/Object;";
    private static final String CLASS_NEW_INSTANCE_DESCRIPTOR = "(Ljava/lang/Class;)Ljava/lang/Object;";
    private static final Handle BOOTSTRAP = new Handle(Opcodes.H_INVOKESTATIC, GuestReflection.INTERNAL_NAME,
            GuestReflection.BOOTSTRAP, GuestReflection.BOOTSTRAP_DESCRIPTOR, false);
    /** Java 7, the first class file version with {@code invokedynamic}. */
    private static final int V7 = 51;
    /**
     * Names a class must hold for anything here to apply: a class's constant pool holds the names it uses as UTF-8.
     * Method names stand for owners that are in most classes: {@code Integer}, and {@code MethodHandles$Lookup},
     * which every class with a lambda or a string concatenation names.
     */
    private static final List<byte[]> NEEDLES = Stream.of(SYSTEM, PRINT_STACK_TRACE, METHOD, FIELD,
                    CONSTANT_BOOTSTRAPS, "getInteger", "getLong", "getBoolean",
                    "findStatic", "findVirtual", "unreflect", "bind", "findClass", "ClassLoader", "privateLookupIn",
                    "java/util/ServiceLoader", NEW_INSTANCE, "findConstructor")
            .map(n -> n.getBytes(StandardCharsets.UTF_8)).toList();

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
    /** Static methods of the JDK that read system properties: {@link GuestSystem}'s of the same name and type. */
    private static final Set<String> PROPERTY_READERS = Set.of(
            "java/lang/Integer.getInteger(Ljava/lang/String;)Ljava/lang/Integer;",
            "java/lang/Integer.getInteger(Ljava/lang/String;I)Ljava/lang/Integer;",
            "java/lang/Integer.getInteger(Ljava/lang/String;Ljava/lang/Integer;)Ljava/lang/Integer;",
            "java/lang/Long.getLong(Ljava/lang/String;)Ljava/lang/Long;",
            "java/lang/Long.getLong(Ljava/lang/String;J)Ljava/lang/Long;",
            "java/lang/Long.getLong(Ljava/lang/String;Ljava/lang/Long;)Ljava/lang/Long;",
            "java/lang/Boolean.getBoolean(Ljava/lang/String;)Z");
    /**
     * {@code Lookup} and {@code ConstantBootstraps} methods, as "owner.name+descriptor", that {@link GuestReflection}
     * has a static method for of the same name, with the {@code Lookup} receiver as its first parameter.
     */
    private static final Set<String> LOOKUPS = lookups();
    /**
     * Methods that answer a class loader, and {@code MethodHandles.privateLookupIn}, as "owner.name+descriptor": the
     * static method of the same name standing in for each, as owner and descriptor (an instance method's receiver
     * is its first parameter).
     */
    private static final Map<String, Redirect> LOADERS = loaders();

    private record Redirect(String owner, String descriptor) {
    }

    private SystemRedirects() {
    }

    private static Set<String> lookups() {
        Set<String> s = new HashSet<>();
        for (java.lang.reflect.Method m : GuestReflection.class.getMethods()) {
            String d = Type.getMethodDescriptor(m);
            if (GuestReflection.LOOKUP_METHODS.contains(m.getName())) {
                s.add(LOOKUP + "." + m.getName() + "(" + d.substring(d.indexOf(';') + 1));
            } else if (GuestReflection.CONSTANT_BOOTSTRAPS_METHODS.contains(m.getName())) {
                s.add(CONSTANT_BOOTSTRAPS + "." + m.getName() + d);
            }
        }
        return Set.copyOf(s);
    }

    private static Map<String, Redirect> loaders() {
        String loader = "Ljava/lang/ClassLoader;";
        String system = GuestSystem.INTERNAL_NAME;
        Map<String, Redirect> m = new HashMap<>();
        for (String owner : List.of("java/lang/Class", "java/lang/Module", "java/security/ProtectionDomain")) {
            m.put(owner + ".getClassLoader()" + loader, new Redirect(system, "(L" + owner + ";)" + loader));
        }
        m.put("java/lang/ClassLoader.getParent()" + loader, new Redirect(system, "(" + loader + ")" + loader));
        m.put("java/lang/Thread.getContextClassLoader()" + loader,
                new Redirect(system, "(Ljava/lang/Thread;)" + loader));
        for (String d : List.of("getSystemClassLoader()" + loader, "getPlatformClassLoader()" + loader,
                "getSystemResource(Ljava/lang/String;)Ljava/net/URL;",
                "getSystemResources(Ljava/lang/String;)Ljava/util/Enumeration;",
                "getSystemResourceAsStream(Ljava/lang/String;)Ljava/io/InputStream;")) {
            m.put("java/lang/ClassLoader." + d, new Redirect(system, d.substring(d.indexOf('('))));
        }
        for (String d : List.of("load(Ljava/lang/Class;)Ljava/util/ServiceLoader;",
                "load(Ljava/lang/Class;" + loader + ")Ljava/util/ServiceLoader;")) {
            m.put("java/util/ServiceLoader." + d, new Redirect(system, d.substring(d.indexOf('('))));
        }
        String privateLookupIn = "(Ljava/lang/Class;L" + LOOKUP + ";)L" + LOOKUP + ";";
        m.put("java/lang/invoke/MethodHandles.privateLookupIn" + privateLookupIn,
                new Redirect(GuestReflection.INTERNAL_NAME, privateLookupIn));
        return Map.copyOf(m);
    }

    /**
     * The redirect of a call of {@code owner.name+descriptor}, or {@code null}. A call names the receiver's static
     * type as its owner: {@code getParent()} on a {@code URLClassLoader} and {@code getContextClassLoader()} on a
     * {@code ForkJoinWorkerThread} are found by resolving a JDK owner (a jar cannot subclass either: the deploy scan
     * refuses class loaders and threads).
     */
    private static Redirect loaderRedirect(String owner, String name, String descriptor) {
        Redirect r = LOADERS.get(owner + "." + name + descriptor);
        if (r != null || !descriptor.equals("()Ljava/lang/ClassLoader;") || !owner.startsWith("java/")
                || !(name.equals("getParent") || name.equals("getContextClassLoader"))) {
            return r;
        }
        Class<?> type;
        try {
            type = Class.forName(owner.replace('/', '.'), false, ClassLoader.getPlatformClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return null; // no such JDK class: the call fails as it would have
        }
        Class<?> declaring = name.equals("getParent") ? ClassLoader.class : Thread.class;
        return declaring.isAssignableFrom(type)
                ? LOADERS.get(Type.getInternalName(declaring) + "." + name + descriptor) : null;
    }

    /**
     * The class with its uses of {@code System} redirected; {@code bytes} itself when it names none of the classes
     * and methods redirected (most classes: nothing to parse).
     *
     * @throws ClassFormatError if ASM cannot rewrite the class
     */
    static byte[] weave(String className, byte[] bytes) {
        if (NEEDLES.stream().noneMatch(n -> contains(bytes, n))) {
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

    private static boolean readsProperty(String owner, String name, String descriptor) {
        return PROPERTY_READERS.contains(owner + "." + name + descriptor);
    }

    /** The descriptor of GuestReflection's method for this Lookup or ConstantBootstraps method, or {@code null}. */
    private static String lookupRedirect(String owner, String name, String descriptor) {
        if (!LOOKUPS.contains(owner + "." + name + descriptor)) {
            return null;
        }
        return owner.equals(LOOKUP) ? "(L" + LOOKUP + ";" + descriptor.substring(1) : descriptor;
    }

    private static boolean isInvoke(String owner, String name, String descriptor) {
        return owner.equals(METHOD) && name.equals("invoke")
                && descriptor.equals("(Ljava/lang/Object;[Ljava/lang/Object;)Ljava/lang/Object;");
    }

    private static boolean isGet(String owner, String name, String descriptor) {
        return owner.equals(FIELD) && name.equals("get") && descriptor.equals("(Ljava/lang/Object;)Ljava/lang/Object;");
    }

    /**
     * The descriptor of {@link GuestReflection}'s {@code newInstance} for a call of {@code Constructor.newInstance}
     * or {@code Class.newInstance} (receiver first), or {@code null}.
     */
    private static String newInstanceRedirect(String owner, String name, String descriptor) {
        if (!name.equals(NEW_INSTANCE)) {
            return null;
        }
        if (owner.equals(CONSTRUCTOR) && descriptor.equals(CONSTRUCTOR_NEW_INSTANCE)) {
            return CONSTRUCTOR_NEW_INSTANCE_DESCRIPTOR;
        }
        return owner.equals("java/lang/Class") && descriptor.equals("()Ljava/lang/Object;")
                ? CLASS_NEW_INSTANCE_DESCRIPTOR : null;
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
            if (h.getTag() == Opcodes.H_INVOKESTATIC && readsProperty(h.getOwner(), h.getName(), h.getDesc())) {
                return new Handle(Opcodes.H_INVOKESTATIC, GuestSystem.INTERNAL_NAME, h.getName(), h.getDesc(), false);
            }
            Redirect loader = loaderRedirect(h.getOwner(), h.getName(), h.getDesc());
            if (loader != null && (h.getTag() == Opcodes.H_INVOKESTATIC || h.getTag() == Opcodes.H_INVOKEVIRTUAL)) {
                return new Handle(Opcodes.H_INVOKESTATIC, loader.owner(), h.getName(), loader.descriptor(), false);
            }
            String lookup = lookupRedirect(h.getOwner(), h.getName(), h.getDesc());
            if (lookup != null && (h.getTag() == Opcodes.H_INVOKESTATIC || h.getTag() == Opcodes.H_INVOKEVIRTUAL)) {
                return new Handle(Opcodes.H_INVOKESTATIC, GuestReflection.INTERNAL_NAME, h.getName(), lookup, false);
            }
            // Method::invoke and Field::get as method references: no caller to link to (GuestReflection says why).
            if (h.getTag() == Opcodes.H_INVOKEVIRTUAL && isInvoke(h.getOwner(), h.getName(), h.getDesc())) {
                return new Handle(Opcodes.H_INVOKESTATIC, GuestReflection.INTERNAL_NAME, "invoke", INVOKE_DESCRIPTOR,
                        false);
            }
            if (h.getTag() == Opcodes.H_INVOKEVIRTUAL && isGet(h.getOwner(), h.getName(), h.getDesc())) {
                return new Handle(Opcodes.H_INVOKESTATIC, GuestReflection.INTERNAL_NAME, "get", GET_DESCRIPTOR, false);
            }
            String newInstance = newInstanceRedirect(h.getOwner(), h.getName(), h.getDesc());
            if (h.getTag() == Opcodes.H_INVOKEVIRTUAL && newInstance != null) {
                return new Handle(Opcodes.H_INVOKESTATIC, GuestReflection.INTERNAL_NAME, NEW_INSTANCE, newInstance,
                        false);
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
        private boolean indy;

        Redirects(ClassVisitor next) {
            super(Opcodes.ASM9, next);
        }

        @Override
        public void visit(int version, int access, String name, String signature, String superName,
                          String[] interfaces) {
            indy = (version & 0xFFFF) >= V7;
            super.visit(version, access, name, signature, superName, interfaces);
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                         String[] exceptions) {
            MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
            return mv == null ? null : new MethodRedirects(mv, indy);
        }
    }

    private static final class MethodRedirects extends MethodVisitor {
        private final boolean indy;

        MethodRedirects(MethodVisitor next, boolean indy) {
            super(Opcodes.ASM9, next);
            this.indy = indy;
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
            if (opcode == Opcodes.INVOKESTATIC && readsProperty(owner, name, descriptor)) {
                super.visitMethodInsn(Opcodes.INVOKESTATIC, GuestSystem.INTERNAL_NAME, name, descriptor, false);
                return;
            }
            if (opcode == Opcodes.INVOKEVIRTUAL || opcode == Opcodes.INVOKESTATIC) {
                Redirect loader = loaderRedirect(owner, name, descriptor);
                if (loader != null) {
                    super.visitMethodInsn(Opcodes.INVOKESTATIC, loader.owner(), name, loader.descriptor(), false);
                    return;
                }
                String lookup = lookupRedirect(owner, name, descriptor);
                if (lookup != null) {
                    super.visitMethodInsn(Opcodes.INVOKESTATIC, GuestReflection.INTERNAL_NAME, name, lookup, false);
                    return;
                }
            }
            String newInstance = opcode == Opcodes.INVOKEVIRTUAL ? newInstanceRedirect(owner, name, descriptor) : null;
            if (opcode == Opcodes.INVOKEVIRTUAL && (newInstance != null || isInvoke(owner, name, descriptor)
                    || isGet(owner, name, descriptor))) {
                String redirected = newInstance != null ? newInstance
                        : name.equals("invoke") ? INVOKE_DESCRIPTOR : GET_DESCRIPTOR;
                if (indy) {
                    super.visitInvokeDynamicInsn(name, redirected, BOOTSTRAP);
                } else {
                    super.visitMethodInsn(Opcodes.INVOKESTATIC, GuestReflection.INTERNAL_NAME, name, redirected, false);
                }
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
