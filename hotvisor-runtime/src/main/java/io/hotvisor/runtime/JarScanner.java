package io.hotvisor.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashSet;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.Handle;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * The deploy-time scan of a Java function's jar: reads the bytecode of every class in it with ASM and refuses the
 * deploy if any class uses an API that would let a function escape the node's control (exit the JVM, start
 * processes or threads, touch files or the network, load native code, define classes, break encapsulation, call
 * methods by name from inside the JDK where {@link GuestReflection} does not reach).
 * A Java function shares the node's JVM, so these are refused up front rather than policed at run time.
 *
 * <p>What is looked at, in every method of every class: method calls ({@code INVOKE*}), field accesses
 * ({@code GET/PUTSTATIC}, {@code GET/PUTFIELD}, e.g. {@code Unsafe.theUnsafe}), instantiation ({@code NEW} and
 * constructor calls, which also catches a class of the jar that extends a forbidden class), class literals
 * ({@code ldc Unsafe.class}), method handle constants and method references (the {@link Handle} arguments of
 * {@code invokedynamic}, e.g. {@code Files::readString}); and {@code native} methods declared in the jar.
 *
 * <p>What is not: strings. A name computed or held in a string ({@code Class.forName("java.lang.System")
 * .getMethod("exit", int.class)}, a {@code MethodHandles.Lookup.findStatic} by name) is not resolved, so
 * reflection and method-handle lookups by name get past the scan; so do calls made by JDK code on the function's
 * behalf (deserialization, {@code ServiceLoader}, the common {@code ForkJoinPool} behind parallel streams and
 * {@code CompletableFuture.*Async}). This is a deploy-time check against mistakes and casual misuse, not a
 * sandbox; docs/security.md lists the rules and the limits.
 *
 * <p>Skipped: classes of the function API packages ({@link FunctionApiClassLoader#EXPOSED_PACKAGES}), which a fat
 * jar may bundle but which are always loaded from the node (parent-first), never from the jar.
 */
final class JarScanner {
    /** How many violations a refusal lists at most. */
    static final int LISTED_VIOLATIONS = 20;

    /** Any member of the owner: calls, field accesses, instantiation, class literals. */
    private static final String ANY = "*";
    /** Instantiation: {@code NEW} and constructor calls (including a subclass's {@code super(...)}). */
    private static final String NEW = "<init>";

    /**
     * One forbidden use.
     *
     * @param owner  internal name of a class ({@code java/lang/System}; its nested classes match too) or of a
     *               package, ending in {@code /} ({@code java/lang/foreign/}; its sub-packages match too)
     * @param member a method or field name, {@code <init>} for instantiation, or {@code *} for any use
     * @param reason why, in a word or two, for the message
     */
    record Rule(String owner, String member, String reason) {
        boolean matches(String usedOwner, String usedMember) {
            return governs(usedOwner) && (member.equals(ANY) || member.equals(usedMember));
        }

        /** Whether the rule is about some member of {@code usedOwner}. */
        boolean governs(String usedOwner) {
            return owner.endsWith("/") ? usedOwner.startsWith(owner)
                    : usedOwner.equals(owner) || usedOwner.startsWith(owner + "$");
        }
    }

    private static final String PROCESS = "process control";
    private static final String THREADS = "threads";
    private static final String REFLECTION = "breaks encapsulation";
    private static final String UNSAFE = "unsafe memory access";
    private static final String NATIVE = "native code";
    private static final String LOADERS = "class definition";
    private static final String FILES = "file system";
    private static final String NETWORK = "network";
    private static final String MANAGEMENT = "JVM management";
    private static final String BY_NAME = "calls methods by name";

    /** The rules, in one place. docs/security.md explains each family; keep the two in step. */
    static final List<Rule> RULES = List.of(
            new Rule("java/lang/System", "exit", PROCESS),
            new Rule("java/lang/Runtime", "exit", PROCESS),
            new Rule("java/lang/Runtime", "halt", PROCESS),
            new Rule("java/lang/Runtime", "exec", PROCESS),
            new Rule("java/lang/ProcessBuilder", ANY, PROCESS),
            new Rule("java/lang/ProcessHandle", ANY, PROCESS),
            // Signal.raise(new Signal("TERM")) stops the node; Signal.handle replaces the node's own handlers.
            new Rule("sun/misc/Signal", ANY, PROCESS),

            new Rule("java/lang/Thread", NEW, THREADS),
            new Rule("java/lang/Thread", "start", THREADS),
            new Rule("java/lang/Thread", "ofPlatform", THREADS),
            new Rule("java/lang/Thread", "ofVirtual", THREADS),
            new Rule("java/lang/Thread", "startVirtualThread", THREADS),
            new Rule("java/util/concurrent/Executors", ANY, THREADS),
            new Rule("java/util/concurrent/ThreadPoolExecutor", NEW, THREADS),
            new Rule("java/util/concurrent/ScheduledThreadPoolExecutor", NEW, THREADS),
            new Rule("java/util/concurrent/ForkJoinPool", NEW, THREADS),
            new Rule("java/util/Timer", NEW, THREADS),
            // The node's threads: interrupting its main thread stopped the node (2026-11-26).
            new Rule("java/lang/Thread", "getAllStackTraces", THREADS),
            new Rule("java/lang/Thread", "enumerate", THREADS),
            new Rule("java/lang/Thread", "getThreadGroup", THREADS),
            new Rule("java/lang/ThreadGroup", ANY, THREADS),
            new Rule("java/lang/Thread", "setDefaultUncaughtExceptionHandler", THREADS),

            new Rule("java/lang/reflect/AccessibleObject", "setAccessible", REFLECTION),
            new Rule("java/lang/reflect/AccessibleObject", "trySetAccessible", REFLECTION),
            // javac names the static type of the receiver as the owner: field.setAccessible(true) is Field's.
            new Rule("java/lang/reflect/Field", "setAccessible", REFLECTION),
            new Rule("java/lang/reflect/Field", "trySetAccessible", REFLECTION),
            new Rule("java/lang/reflect/Method", "setAccessible", REFLECTION),
            new Rule("java/lang/reflect/Method", "trySetAccessible", REFLECTION),
            new Rule("java/lang/reflect/Constructor", "setAccessible", REFLECTION),
            new Rule("java/lang/reflect/Constructor", "trySetAccessible", REFLECTION),
            new Rule("java/lang/reflect/Executable", "setAccessible", REFLECTION),
            new Rule("java/lang/reflect/Executable", "trySetAccessible", REFLECTION),
            // Makes objects of any class without running their constructors.
            new Rule("sun/reflect/ReflectionFactory", ANY, REFLECTION),

            new Rule("sun/misc/Unsafe", ANY, UNSAFE),
            new Rule("jdk/internal/misc/Unsafe", ANY, UNSAFE),

            new Rule("java/lang/System", "load", NATIVE),
            new Rule("java/lang/System", "loadLibrary", NATIVE),
            new Rule("java/lang/Runtime", "load", NATIVE),
            new Rule("java/lang/Runtime", "loadLibrary", NATIVE),
            new Rule("java/lang/foreign/", ANY, NATIVE),

            new Rule("java/lang/ClassLoader", NEW, LOADERS),
            new Rule("java/security/SecureClassLoader", NEW, LOADERS),
            new Rule("java/net/URLClassLoader", NEW, LOADERS),
            new Rule("java/net/URLClassLoader", "newInstance", LOADERS),
            new Rule("java/lang/invoke/MethodHandles$Lookup", "defineClass", LOADERS),
            new Rule("java/lang/invoke/MethodHandles$Lookup", "defineHiddenClass", LOADERS),
            new Rule("java/lang/invoke/MethodHandles$Lookup", "defineHiddenClassWithClassData", LOADERS),

            new Rule("java/io/File", ANY, FILES),
            new Rule("java/io/FileInputStream", ANY, FILES),
            new Rule("java/io/FileOutputStream", ANY, FILES),
            new Rule("java/io/FileReader", ANY, FILES),
            new Rule("java/io/FileWriter", ANY, FILES),
            new Rule("java/io/RandomAccessFile", ANY, FILES),
            new Rule("java/nio/file/Files", ANY, FILES),
            new Rule("java/nio/file/Paths", ANY, FILES),
            new Rule("java/nio/file/Path", "of", FILES),
            new Rule("java/nio/file/FileSystems", ANY, FILES),
            new Rule("java/nio/channels/FileChannel", ANY, FILES),
            // Stored under the node user's home (~/.java), by a timer thread of the JDK's.
            new Rule("java/util/prefs/", ANY, FILES),

            new Rule("java/net/Socket", ANY, NETWORK),
            new Rule("java/net/ServerSocket", ANY, NETWORK),
            new Rule("java/net/DatagramSocket", ANY, NETWORK),
            new Rule("java/net/MulticastSocket", ANY, NETWORK),
            new Rule("java/net/URL", "openConnection", NETWORK),
            new Rule("java/net/URL", "openStream", NETWORK),
            new Rule("java/net/URL", "getContent", NETWORK),
            new Rule("java/net/http/HttpClient", ANY, NETWORK),
            new Rule("javax/net/SocketFactory", ANY, NETWORK),
            new Rule("javax/net/ServerSocketFactory", ANY, NETWORK),
            new Rule("javax/net/ssl/SSLSocketFactory", ANY, NETWORK),
            new Rule("javax/net/ssl/SSLServerSocketFactory", ANY, NETWORK),
            new Rule("java/nio/channels/SocketChannel", ANY, NETWORK),
            new Rule("java/nio/channels/ServerSocketChannel", ANY, NETWORK),
            new Rule("java/nio/channels/DatagramChannel", ANY, NETWORK),
            new Rule("java/nio/channels/AsynchronousSocketChannel", ANY, NETWORK),
            new Rule("java/nio/channels/AsynchronousServerSocketChannel", ANY, NETWORK),

            // The node's JVM, not the function's: its command line, class path and system properties
            // (RuntimeMXBean), heap dumps with every tenant's data (HotSpotDiagnosticMXBean.dumpHeap), GC, flags.
            new Rule("java/lang/management/", ANY, MANAGEMENT),
            new Rule("com/sun/management/", ANY, MANAGEMENT),
            new Rule("javax/management/", ANY, MANAGEMENT),
            new Rule("jdk/management/", ANY, MANAGEMENT),
            new Rule("jdk/jfr/", ANY, MANAGEMENT), // flight recordings of the whole JVM

            // They call methods named in strings or XML from inside java.desktop, where the redirects of the
            // function's reflection (GuestReflection) do not reach: System.getenv and the node's System.out.
            new Rule("java/beans/Expression", ANY, BY_NAME),
            new Rule("java/beans/Statement", ANY, BY_NAME),
            new Rule("java/beans/EventHandler", ANY, BY_NAME),
            new Rule("java/beans/XMLDecoder", ANY, BY_NAME));

    /** A multi-release jar's versioned classes are loaded too: they are scanned under their class name. */
    private static final Pattern VERSIONED = Pattern.compile("^META-INF/versions/\\d+/");

    private JarScanner() {
    }

    /**
     * Scans every class of {@code zip}.
     *
     * @throws DeployException (field {@code code}) listing up to {@link #LISTED_VIOLATIONS} forbidden uses, or
     *                         naming a class file the scan cannot read
     * @throws IOException     if an entry cannot be read
     */
    static void scan(ZipFile zip, String functionName) throws IOException {
        List<? extends ZipEntry> classes = zip.stream()
                .filter(e -> !e.isDirectory() && e.getName().endsWith(".class") && !skipped(e.getName()))
                .sorted(Comparator.comparing(ZipEntry::getName))
                .toList();
        Set<String> violations = new LinkedHashSet<>();
        for (ZipEntry entry : classes) {
            byte[] bytes;
            try (InputStream in = zip.getInputStream(entry)) {
                bytes = in.readAllBytes();
            }
            try {
                new ClassReader(bytes).accept(new ClassScan(violations), ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
            } catch (RuntimeException e) {
                // ASM throws IllegalArgumentException (unsupported class file version) or index exceptions
                // (malformed class file). What cannot be scanned is not loaded: fail closed.
                throw DeployException.code("Function '" + functionName + "' may not be deployed: class file '"
                        + entry.getName() + "' cannot be read by the deploy-time scan (" + e + ")", e);
            }
        }
        if (!violations.isEmpty()) {
            throw DeployException.code(message(functionName, List.copyOf(violations)));
        }
    }

    static String message(String functionName, List<String> violations) {
        StringBuilder m = new StringBuilder("Function '").append(functionName).append("' may not be deployed: ");
        m.append(String.join("; ", violations.subList(0, Math.min(violations.size(), LISTED_VIOLATIONS))));
        if (violations.size() > LISTED_VIOLATIONS) {
            m.append("; ... and ").append(violations.size() - LISTED_VIOLATIONS).append(" more");
        }
        return m.append("; forbidden for in-node Java functions").toString();
    }

    /** API package classes (never loaded from the jar) and {@code module-info}/{@code package-info}. */
    private static boolean skipped(String entry) {
        String path = VERSIONED.matcher(entry).replaceFirst("");
        return path.endsWith("module-info.class") || path.endsWith("package-info.class")
                || FunctionApiClassLoader.exposed(path.replace('/', '.'));
    }

    /**
     * The rule that forbids {@code member} of {@code owner} ({@code <init>} for a constructor), or {@code null}: what
     * {@link GuestReflection} refuses when a function reaches it by reflection or a method handle.
     */
    static Rule rule(Class<?> owner, String member) {
        return rule(Type.getInternalName(owner), member);
    }

    /** Whether any rule is about a member of {@code owner}. */
    static boolean governs(Class<?> owner) {
        String internal = Type.getInternalName(owner);
        return RULES.stream().anyMatch(r -> r.governs(internal));
    }

    private static Rule rule(String owner, String member) {
        for (Rule r : RULES) {
            if (r.matches(owner, member)) {
                return r;
            }
        }
        return null;
    }

    private static String dotted(String internalName) {
        return internalName.replace('/', '.');
    }

    /** Collects the violations of one class into a set shared by the whole jar (so each is listed once). */
    private static final class ClassScan extends ClassVisitor {
        private final Set<String> violations;
        private String className;

        ClassScan(Set<String> violations) {
            super(Opcodes.ASM9);
            this.violations = violations;
        }

        @Override
        public void visit(int version, int access, String name, String signature, String superName,
                          String[] interfaces) {
            className = dotted(name);
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                         String[] exceptions) {
            String where = className + "." + name;
            if ((access & Opcodes.ACC_NATIVE) != 0) {
                violations.add(where + " is a native method (JNI, " + NATIVE + ")");
            }
            return new MethodScan(where);
        }

        private final class MethodScan extends MethodVisitor {
            private final String where;

            MethodScan(String where) {
                super(Opcodes.ASM9);
                this.where = where;
            }

            private void check(String owner, String member, String verb, String what) {
                Rule r = rule(owner, member);
                if (r != null) {
                    violations.add(where + " " + verb + " " + what + " (" + r.reason() + ")");
                }
            }

            private void checkCall(String owner, String name) {
                if (name.equals(NEW)) {
                    check(owner, NEW, "creates", dotted(owner));
                } else {
                    check(owner, name, "calls", dotted(owner) + "." + name);
                }
            }

            @Override
            public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
                if (owner.startsWith("[")) {
                    return; // a call on an array (clone()): never forbidden
                }
                checkCall(owner, name);
            }

            @Override
            public void visitFieldInsn(int opcode, String owner, String name, String descriptor) {
                check(owner, name, "uses", dotted(owner) + "." + name);
            }

            @Override
            public void visitTypeInsn(int opcode, String type) {
                if (opcode == Opcodes.NEW) {
                    check(type, NEW, "creates", dotted(type));
                } else if (!type.startsWith("[")) {
                    check(type, ANY, "uses", dotted(type)); // a cast or instanceof of a wholly forbidden type
                }
            }

            @Override
            public void visitLdcInsn(Object value) {
                checkConstant(value);
            }

            @Override
            public void visitInvokeDynamicInsn(String name, String descriptor, Handle bootstrap, Object... args) {
                for (Object arg : args) {
                    checkConstant(arg);
                }
            }

            private void checkConstant(Object value) {
                if (value instanceof Handle h) {
                    Rule r = rule(h.getOwner(), h.getName());
                    if (r != null) {
                        violations.add(where + " references " + dotted(h.getOwner()) + "::" + h.getName()
                                + " (" + r.reason() + ")");
                    }
                } else if (value instanceof Type t && t.getSort() == Type.OBJECT) {
                    check(t.getInternalName(), ANY, "uses", t.getClassName());
                }
            }
        }
    }
}
