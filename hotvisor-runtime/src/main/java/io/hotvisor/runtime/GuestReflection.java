package io.hotvisor.runtime;

import java.io.InputStream;
import java.io.PrintStream;
import java.lang.invoke.CallSite;
import java.lang.invoke.ConstantBootstraps;
import java.lang.invoke.ConstantCallSite;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodHandles.Lookup;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * Reflection and method-handle lookups as an in-node Java function sees them: the members that {@link GuestSystem}
 * stands in for are reached through it however they are named. {@link SystemRedirects} rewrites the function's
 * calls of {@code Method.invoke}, {@code Field.get}, {@code MethodHandles.Lookup.findStatic}, {@code findVirtual},
 * {@code findStaticGetter}, {@code findStaticVarHandle}, {@code unreflect}, {@code unreflectGetter},
 * {@code unreflectVarHandle}, {@code bind}, {@code findClass}, {@code MethodHandles.privateLookupIn} and
 * {@code ConstantBootstraps.getStaticFinal}, {@code staticFieldVarHandle} into calls of the methods here. Each does what the original does (same result,
 * same exceptions), except when its target is a <em>routed</em> member:
 * <ul>
 * <li>a member of {@code System} that {@link GuestSystem} replaces, {@code Integer.getInteger},
 * {@code Long.getLong}, {@code Boolean.getBoolean}, {@code Throwable.printStackTrace()} and the methods that answer
 * a class loader ({@code Class.getClassLoader()}, {@code Thread.getContextClassLoader()}, ...): the
 * {@link GuestSystem} method of the same name answers (a method handle to it, of the original's type);
 * {@code System.out}, {@code err}, {@code in} read as {@link GuestSystem#out()} and so on. A {@code VarHandle} on
 * them cannot be given (a {@code VarHandle} reads a field, and the function's stream is no field):
 * {@code IllegalAccessException} saying so;
 * <li>{@code MethodHandles.privateLookupIn}: given only in a class of the caller's own function class loader;
 * {@code Lookup.findClass} refused on a lookup in a class whose loader can see the node's classes;
 * <li>the entry points above, reached in turn by reflection or a method handle
 * ({@code Method.class.getMethod("invoke", ...)}): routed here again, so no nesting gets past;
 * <li>members of {@code java.beans.Expression}, {@code Statement}, {@code EventHandler} and {@code XMLDecoder},
 * which call methods named in strings or XML from inside the JDK, where no redirect reaches: refused with
 * {@code IllegalAccessException} (the deploy scan refuses their direct use);
 * <li>any other member the deploy scan forbids ({@link JarScanner#rule(Class, String)}: {@code Runtime.halt},
 * {@code System.exit}, {@code Thread.start}, {@code Files.*}, ...), on its class or a superclass: refused with
 * {@code IllegalAccessException}, so a name held in a string does not get past the scan. Constructors too:
 * {@code Constructor.newInstance} and {@code Class.newInstance} (caller-sensitive, so woven as
 * {@code invokedynamic} like {@code Method.invoke}), {@code Lookup.findConstructor} and
 * {@code unreflectConstructor}.
 * </ul>
 * The typed getters ({@code Field.getInt} and the like) are left as they are: the routed fields hold references,
 * which the typed getters refuse anyway.
 *
 * <p>Implementation notes. <b>Caller sensitivity:</b> {@code Method.invoke} and {@code Field.get} check access
 * against their caller, so they cannot simply be called from here (this class would be the caller: a function
 * could then call package-private members of the runtime). Their call sites become {@code invokedynamic}
 * ({@link #bootstrap}): the bootstrap gets the calling class's own {@code Lookup}, whose {@code findVirtual} of
 * {@code Method.invoke} yields a handle that behaves as if called from that class (the JDK binds a caller-sensitive
 * method's handle to the lookup class); that handle is what a non-routed call runs. Classes older than Java 7 (no
 * {@code invokedynamic}) and method references to {@code Method::invoke} call {@link #invoke(Method, Object,
 * Object[])} instead, which serves public members of public classes only (see there). The {@code Lookup} methods
 * are not caller-sensitive: the lookup object carries the access, and it is used as it is. <b>Cost:</b> the common
 * path (a target that is not routed) adds one {@link ClassValue} read of the target's declaring class to the JDK's
 * own work; routed targets are found in a map. Measured (ReflectionCostBenchmark, bench/results/notes-reflect.md):
 * a few nanoseconds per call.
 *
 * <p>Like {@link GuestSystem}, this class is exposed to function class loaders by its exact name and must be
 * {@code public} for woven calls to link. Its public methods give a caller nothing beyond what the handles and
 * lookup objects it passes in already allow.
 */
public final class GuestReflection {
    /** The owner name of the class, as woven into function bytecode. */
    static final String INTERNAL_NAME = "io/hotvisor/runtime/GuestReflection";
    /** The name and descriptor of {@link #bootstrap}. */
    static final String BOOTSTRAP = "bootstrap";
    static final String BOOTSTRAP_DESCRIPTOR = MethodType.methodType(CallSite.class, Lookup.class, String.class,
            MethodType.class).toMethodDescriptorString();
    /** {@code java.beans} classes that call methods named in strings from inside the JDK. */
    static final Set<String> BY_NAME_CLASSES = Set.of(
            "java.beans.Expression", "java.beans.Statement", "java.beans.EventHandler", "java.beans.XMLDecoder");
    /** The {@code Lookup} methods that are routed here, each by a static method of the same name. */
    static final Set<String> LOOKUP_METHODS = Set.of("findStatic", "findVirtual", "bind", "unreflect",
            "findStaticGetter", "unreflectGetter", "findStaticVarHandle", "unreflectVarHandle", "findClass",
            "findConstructor", "unreflectConstructor");
    /** The {@code ConstantBootstraps} methods that are routed here, each by a static method of the same name. */
    static final Set<String> CONSTANT_BOOTSTRAPS_METHODS = Set.of("getStaticFinal", "staticFieldVarHandle");

    /** A member of {@code owner} named {@code name} of type {@code type} (without the receiver). */
    private record Key(Class<?> owner, String name, MethodType type) {
        static Key of(Method m) {
            return new Key(m.getDeclaringClass(), m.getName(),
                    MethodType.methodType(m.getReturnType(), m.getParameterTypes()));
        }
    }

    private static final Lookup LOOKUP = MethodHandles.lookup();
    /** Who called the entry points that have no calling {@code Lookup} (a method reference, a pre-Java 7 class). */
    private static final StackWalker CALLERS = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
    /** The member name of a constructor, as the deploy scan's rules name it. */
    private static final String NEW = "<init>";
    private static final MethodType INVOKE_TYPE = MethodType.methodType(Object.class, Object.class, Object[].class);
    private static final MethodType GET_TYPE = MethodType.methodType(Object.class, Object.class);
    private static final Key METHOD_INVOKE = new Key(Method.class, "invoke", INVOKE_TYPE);
    private static final Key FIELD_GET = new Key(Field.class, "get", GET_TYPE);
    private static final Key CONSTRUCTOR_NEW_INSTANCE = new Key(Constructor.class, "newInstance",
            MethodType.methodType(Object.class, Object[].class));
    private static final Key CLASS_NEW_INSTANCE = new Key(Class.class, "newInstance",
            MethodType.methodType(Object.class));
    /** Static stand-ins of routed members; an instance member's receiver is their first parameter. */
    private static final Map<Key, Method> STAND_INS = standIns();
    private static final Map<Key, MethodHandle> STAND_IN_HANDLES = handles(STAND_INS);
    /** Whether members declared by a class may be routed: the common path stops here. */
    private static final ClassValue<Boolean> ROUTED_OWNER = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> c) {
            return c == Method.class || c == Field.class || c == System.class || c == Constructor.class
                    || c == Class.class || byName(c) || forbiddenOwner(c)
                    || STAND_INS.keySet().stream().anyMatch(k -> k.owner() == c);
        }
    };
    /** Whether the deploy scan forbids creating instances of a class (or of a superclass of it). */
    private static final ClassValue<Boolean> FORBIDDEN_CONSTRUCTORS = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> c) {
            try {
                refuseForbidden(c, NEW);
                refuseByName(c, NEW);
                return false;
            } catch (IllegalAccessException forbidden) {
                return true;
            }
        }
    };
    private static final MethodHandle ROUTED_METHOD = handle("routed", boolean.class, Method.class);
    private static final MethodHandle ROUTED_FIELD = handle("routed", boolean.class, Field.class);
    private static final MethodHandle INVOKE_ROUTED = handle("invoke", Object.class, boolean.class,
            MethodHandle.class, Method.class, Object.class, Object[].class);
    private static final MethodHandle GET_ROUTED = handle("get", Object.class, MethodHandle.class, Field.class,
            Object.class);
    private static final MethodHandle INVOKE_PUBLIC = handle("invokePublic", Object.class, Method.class,
            Object.class, Object[].class);
    private static final MethodHandle CHECK_CONSTRUCTOR = handle("checkConstructor", void.class, Constructor.class);
    private static final MethodHandle CHECK_CLASS = handle("checkClass", void.class, Class.class);

    private GuestReflection() {
    }

    private static MethodHandle handle(String name, Class<?> returns, Class<?>... params) {
        try {
            return LOOKUP.findStatic(GuestReflection.class, name, MethodType.methodType(returns, params));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static Map<Key, Method> standIns() {
        Map<Key, Method> m = new HashMap<>();
        try {
            for (Class<?> owner : List.of(System.class, Integer.class, Long.class, Boolean.class, ClassLoader.class,
                    ServiceLoader.class)) {
                for (Method original : owner.getDeclaredMethods()) {
                    int mods = original.getModifiers();
                    if (!Modifier.isStatic(mods) || !Modifier.isPublic(mods)) {
                        continue;
                    }
                    try {
                        Method standIn = GuestSystem.class.getMethod(original.getName(),
                                original.getParameterTypes());
                        if (standIn.getReturnType() == original.getReturnType()) {
                            m.put(Key.of(original), standIn);
                        }
                    } catch (NoSuchMethodException notRouted) {
                        // System.currentTimeMillis and the like: the node's and the function's are the same.
                    }
                }
            }
            m.put(Key.of(Throwable.class.getMethod("printStackTrace")),
                    GuestSystem.class.getMethod("printStackTrace", Object.class));
            for (Class<?> owner : List.of(Class.class, Module.class, ProtectionDomain.class)) {
                m.put(Key.of(owner.getMethod("getClassLoader")), GuestSystem.class.getMethod("getClassLoader", owner));
            }
            m.put(Key.of(ClassLoader.class.getMethod("getParent")),
                    GuestSystem.class.getMethod("getParent", ClassLoader.class));
            m.put(Key.of(Thread.class.getMethod("getContextClassLoader")),
                    GuestSystem.class.getMethod("getContextClassLoader", Thread.class));
            m.put(Key.of(MethodHandles.class.getMethod("privateLookupIn", Class.class, Lookup.class)),
                    GuestReflection.class.getMethod("privateLookupIn", Class.class, Lookup.class));
            for (Method standIn : GuestReflection.class.getMethods()) {
                Class<?>[] p = standIn.getParameterTypes();
                if (LOOKUP_METHODS.contains(standIn.getName())) {
                    m.put(Key.of(Lookup.class.getMethod(standIn.getName(), Arrays.copyOfRange(p, 1, p.length))),
                            standIn);
                } else if (CONSTANT_BOOTSTRAPS_METHODS.contains(standIn.getName())) {
                    m.put(Key.of(ConstantBootstraps.class.getMethod(standIn.getName(), p)), standIn);
                }
            }
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError(e);
        }
        return Map.copyOf(m);
    }

    private static Map<Key, MethodHandle> handles(Map<Key, Method> standIns) {
        Map<Key, MethodHandle> h = new HashMap<>();
        standIns.forEach((k, m) -> {
            try {
                h.put(k, LOOKUP.unreflect(m).asFixedArity());
            } catch (IllegalAccessException e) {
                throw new ExceptionInInitializerError(e);
            }
        });
        return Map.copyOf(h);
    }

    private static boolean byName(Class<?> c) {
        return c.getClassLoader() == null && BY_NAME_CLASSES.contains(c.getName());
    }

    private static boolean routed(Method m) {
        return ROUTED_OWNER.get(m.getDeclaringClass());
    }

    private static boolean routed(Field f) {
        return f.getDeclaringClass() == System.class && standsIn(f.getName());
    }

    /** Whether {@code System.<name>} is a field the function has its own of. */
    private static boolean standsIn(String systemField) {
        return systemField.equals("out") || systemField.equals("err") || systemField.equals("in");
    }

    /**
     * The bootstrap of the woven {@code invokedynamic} that replaces {@code Method.invoke} (name {@code invoke},
     * type {@code (Method, Object, Object[])Object}) and {@code Field.get} (name {@code get}, type
     * {@code (Field, Object)Object}) in the class of {@code caller}: a routed target goes to its stand-in, any other
     * to the JDK's method as called from that class.
     */
    public static CallSite bootstrap(Lookup caller, String name, MethodType type)
            throws NoSuchMethodException, IllegalAccessException {
        boolean enforce = refusesForbidden(caller.lookupClass());
        MethodHandle target = switch (name) {
            case "invoke" -> {
                MethodHandle real = caller.findVirtual(Method.class, "invoke", INVOKE_TYPE).asFixedArity();
                yield MethodHandles.guardWithTest(
                        MethodHandles.dropArguments(ROUTED_METHOD, 1, Object.class, Object[].class),
                        MethodHandles.insertArguments(INVOKE_ROUTED, 0, enforce, real), real);
            }
            case "get" -> {
                MethodHandle real = caller.findVirtual(Field.class, "get", GET_TYPE);
                yield MethodHandles.guardWithTest(MethodHandles.dropArguments(ROUTED_FIELD, 1, Object.class),
                        MethodHandles.insertArguments(GET_ROUTED, 0, real), real);
            }
            // Constructor.newInstance, Class.newInstance: the JDK's, as called from that class, once checked.
            case "newInstance" -> {
                boolean ofConstructor = type.parameterType(0) == Constructor.class;
                MethodHandle real = ofConstructor
                        ? caller.findVirtual(Constructor.class, "newInstance", CONSTRUCTOR_NEW_INSTANCE.type())
                                .asFixedArity()
                        : caller.findVirtual(Class.class, "newInstance", CLASS_NEW_INSTANCE.type());
                yield enforce ? MethodHandles.foldArguments(real, ofConstructor ? CHECK_CONSTRUCTOR : CHECK_CLASS)
                        : real;
            }
            default -> throw new IllegalArgumentException("No reflective call named '" + name
                    + "' is routed; known: invoke, get, newInstance");
        };
        return new ConstantCallSite(target.asType(type));
    }

    // Method.invoke and Field.get

    /**
     * {@code m.invoke(obj, args)}, where {@code real} is {@code Method.invoke} as the function's class calls it (fixed
     * arity): the routed member's stand-in, else {@code real}; with {@code enforce} (the function's class loader
     * {@linkplain #refusesForbidden(Class) refuses forbidden members}), a forbidden member or constructor is refused.
     */
    public static Object invoke(boolean enforce, MethodHandle real, Method m, Object obj, Object[] args)
            throws Throwable {
        if (!routed(m)) {
            return real.invoke(m, obj, args);
        }
        Key key = Key.of(m);
        if (key.equals(METHOD_INVOKE)) {
            // Method.invoke reached by reflection: its own target is routed too.
            if (obj instanceof Method inner && args != null && args.length == 2
                    && (args[1] == null || args[1] instanceof Object[])) {
                try {
                    return invoke(enforce, real, inner, args[0], (Object[]) args[1]);
                } catch (Throwable t) {
                    throw new InvocationTargetException(t);
                }
            }
            return real.invoke(m, obj, args); // the JDK's exception for the wrong arguments
        }
        if (key.equals(FIELD_GET)) {
            if (obj instanceof Field f && routed(f) && args != null && args.length == 1) {
                return standIn(f.getName());
            }
            return real.invoke(m, obj, args);
        }
        if (enforce) {
            if (key.equals(CONSTRUCTOR_NEW_INSTANCE) && obj instanceof Constructor<?> c) {
                checkConstructor(c); // then the JDK's, as the function's class calls it
            } else if (key.equals(CLASS_NEW_INSTANCE) && obj instanceof Class<?> c) {
                checkClass(c);
            }
            refuseForbidden(m.getDeclaringClass(), m.getName());
        }
        refuseByName(m.getDeclaringClass(), m.getName());
        Method standIn = STAND_INS.get(key);
        if (standIn == null) {
            return real.invoke(m, obj, args);
        }
        if (Modifier.isStatic(m.getModifiers())) {
            return standIn.invoke(null, args); // its checks and InvocationTargetException are Method.invoke's
        }
        if (!m.getDeclaringClass().isInstance(obj)) {
            return real.invoke(m, obj, args); // the JDK's NullPointerException or IllegalArgumentException
        }
        int n = args == null ? 0 : args.length;
        Object[] withReceiver = new Object[n + 1];
        withReceiver[0] = obj;
        if (n > 0) {
            System.arraycopy(args, 0, withReceiver, 1, n);
        }
        return standIn.invoke(null, withReceiver);
    }

    /**
     * {@code m.invoke(obj, args)} where the calling class is not known: a class older than Java 7 (no
     * {@code invokedynamic}) or a method reference to {@code Method::invoke}. Routed as above; any other target
     * must be a public member of a public class, and not caller-sensitive ({@link MethodHandles#publicLookup()}
     * decides), since the JDK would otherwise take this class for the caller.
     */
    public static Object invoke(Method m, Object obj, Object[] args)
            throws IllegalAccessException, InvocationTargetException {
        try {
            return invoke(refusesForbidden(CALLERS.getCallerClass()), INVOKE_PUBLIC, m, obj, args);
        } catch (IllegalAccessException | InvocationTargetException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new InvocationTargetException(t); // not reached: the stand-ins wrap what they throw
        }
    }

    private static Object invokePublic(Method m, Object obj, Object[] args)
            throws IllegalAccessException, InvocationTargetException {
        MethodHandle h = MethodHandles.publicLookup().unreflect(m).asFixedArity();
        List<Object> all = new ArrayList<>();
        if (!Modifier.isStatic(m.getModifiers())) {
            if (!m.getDeclaringClass().isInstance(Objects.requireNonNull(obj))) {
                throw new IllegalArgumentException("object is not an instance of declaring class");
            }
            all.add(obj);
        }
        all.addAll(checkedArguments(m.getParameterTypes(), args));
        try {
            return h.invokeWithArguments(all);
        } catch (Throwable t) {
            throw new InvocationTargetException(t);
        }
    }

    /** {@code args} as {@code Method.invoke} and {@code Constructor.newInstance} accept them for {@code params}. */
    private static List<Object> checkedArguments(Class<?>[] params, Object[] args) {
        int n = args == null ? 0 : args.length;
        if (n != params.length) {
            throw new IllegalArgumentException("wrong number of arguments: " + n + " expected: " + params.length);
        }
        for (int i = 0; i < n; i++) {
            if (!convertible(args[i], params[i])) {
                throw new IllegalArgumentException("argument type mismatch");
            }
        }
        return n == 0 ? List.of() : Arrays.asList(args);
    }

    /** Method.invoke's argument conversions: a reference as it is, a primitive unboxed and widened. */
    private static boolean convertible(Object arg, Class<?> param) {
        if (!param.isPrimitive()) {
            return arg == null || param.isInstance(arg);
        }
        if (arg == null) {
            return false;
        }
        Class<?> from = MethodType.methodType(arg.getClass()).unwrap().returnType();
        if (from == param) {
            return true;
        }
        String widening = switch (from.getName()) {
            case "byte" -> "short int long float double";
            case "short", "char" -> "int long float double";
            case "int" -> "long float double";
            case "long" -> "float double";
            case "float" -> "double";
            default -> "";
        };
        return from.isPrimitive() && List.of(widening.split(" ")).contains(param.getName());
    }

    /** {@code f.get(obj)}, where {@code real} is {@code Field.get} as the function's class calls it. */
    public static Object get(MethodHandle real, Field f, Object obj) throws Throwable {
        return routed(f) ? standIn(f.getName()) : real.invoke(f, obj);
    }

    /**
     * {@code f.get(obj)} where the calling class is not known (see {@link #invoke(Method, Object, Object[])}):
     * routed, else a public field of a public class only.
     */
    public static Object get(Field f, Object obj) throws IllegalAccessException {
        if (routed(f)) {
            return standIn(f.getName());
        }
        MethodHandle getter = MethodHandles.publicLookup().unreflectGetter(f);
        try {
            if (Modifier.isStatic(f.getModifiers())) {
                return getter.invoke();
            }
            if (!f.getDeclaringClass().isInstance(Objects.requireNonNull(obj))) {
                throw new IllegalArgumentException("Can not get field " + f + " on " + obj.getClass().getName());
            }
            return getter.invoke(obj);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("A field getter threw " + t, t); // a getter throws nothing checked
        }
    }

    /** The function's value of {@code System.<name>}, one of the fields it {@linkplain #standsIn has its own of}. */
    private static Object standIn(String systemField) {
        return switch (systemField) {
            case "out" -> GuestSystem.out();
            case "err" -> GuestSystem.err();
            case "in" -> GuestSystem.in();
            default -> throw new IllegalArgumentException("System." + systemField + " is the node's, not routed");
        };
    }

    /** A handle to GuestSystem's getter standing in for static field {@code owner.name}, or {@code null}. */
    private static MethodHandle standInGetter(Class<?> owner, String name) {
        if (owner != System.class) {
            return null;
        }
        Class<?> type = switch (name) {
            case "out", "err" -> PrintStream.class;
            case "in" -> InputStream.class;
            default -> null;
        };
        if (type == null) {
            return null;
        }
        try {
            return LOOKUP.findStatic(GuestSystem.class, name, MethodType.methodType(type));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("GuestSystem." + name + "() is missing", e);
        }
    }

    /**
     * Whether the function whose class is {@code caller} is refused, at run time too, what the deploy scan forbids:
     * under the node's {@code --java-scan enforce} (the default); under {@code warn} or {@code off} its code may name
     * those members, so reaching them by name is allowed as well.
     */
    private static boolean refusesForbidden(Class<?> caller) {
        return !(caller.getClassLoader() instanceof FunctionClassLoader loader) || loader.system().refusesForbidden();
    }

    /** Whether a rule of the deploy scan is about a member of {@code c} or of a superclass of it. */
    private static boolean forbiddenOwner(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            if (JarScanner.governs(k)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Refuses what the deploy scan would have refused had the function named it in its bytecode
     * ({@link JarScanner#rule(Class, String)}): {@code Runtime.halt}, {@code Files.readString}, a {@code Thread}'s
     * {@code start} and so on, reached by a name held in a string; on {@code owner} or a superclass of it (an
     * {@code SSLSocket}'s {@code connect} is a {@code Socket}'s, a JDK subclass's constructor calls its forbidden
     * superclass's).
     */
    private static void refuseForbidden(Class<?> owner, String member) throws IllegalAccessException {
        JarScanner.Rule rule = null;
        for (Class<?> k = owner; k != null && rule == null; k = k.getSuperclass()) {
            rule = JarScanner.rule(k, member);
        }
        if (rule != null) {
            throw new IllegalAccessException("In-node Java functions may not use " + owner.getName()
                    + (member.equals(NEW) ? " constructors" : "." + member) + " (" + rule.reason()
                    + "), by reflection or a method handle either; deploy with \"isolation\": \"process\" to use it"
                    + " (docs/security.md)");
        }
    }

    /** Before {@code c.newInstance(...)}: refuses a constructor the deploy scan forbids. */
    static void checkConstructor(Constructor<?> c) throws IllegalAccessException {
        checkClass(c.getDeclaringClass());
    }

    /** Before {@code c.newInstance()}: as {@link #checkConstructor}; one {@link ClassValue} read when allowed. */
    static void checkClass(Class<?> c) throws IllegalAccessException {
        if (FORBIDDEN_CONSTRUCTORS.get(c)) {
            refuseForbidden(c, NEW);
            refuseByName(c, NEW);
        }
    }

    private static void refuseByName(Class<?> owner, String member) throws IllegalAccessException {
        if (byName(owner)) {
            throw new IllegalAccessException("In-node Java functions may not use " + owner.getName() + "." + member
                    + ": it calls methods named in strings, past the function's own System (docs/security.md)");
        }
    }

    private static IllegalAccessException noVarHandle(Class<?> owner, String name) {
        return new IllegalAccessException("An in-node Java function gets no VarHandle on " + owner.getName() + "."
                + name + ": its " + name + " is its own, held in no field; read " + owner.getSimpleName() + "."
                + name + " instead");
    }

    /** What to return for {@code real}, a handle to member {@code key}: its stand-in's, of the same type. */
    private static MethodHandle routedHandle(MethodHandle real, Key key, Lookup lookup)
            throws IllegalAccessException {
        boolean enforce = refusesForbidden(lookup.lookupClass());
        if (enforce) {
            refuseForbidden(key.owner(), key.name());
        }
        refuseByName(key.owner(), key.name());
        MethodHandle routed;
        if (key.equals(CONSTRUCTOR_NEW_INSTANCE) || key.equals(CLASS_NEW_INSTANCE)) {
            if (!enforce) {
                return real;
            }
            MethodHandle check = key.equals(CLASS_NEW_INSTANCE) ? CHECK_CLASS : CHECK_CONSTRUCTOR;
            routed = MethodHandles.foldArguments(real.asFixedArity(), check);
        } else if (key.equals(METHOD_INVOKE)) {
            routed = MethodHandles.insertArguments(INVOKE_ROUTED, 0, enforce, real.asFixedArity());
        } else if (key.equals(FIELD_GET)) {
            routed = MethodHandles.insertArguments(GET_ROUTED, 0, real);
        } else {
            routed = STAND_IN_HANDLES.get(key);
            if (routed == null) {
                return real;
            }
        }
        return routed.asType(real.type()).withVarargs(real.isVarargsCollector());
    }

    // MethodHandles.Lookup: the lookup does the JDK's checks, then a routed member gets its stand-in.

    /** {@code lookup.findStatic(refc, name, type)}. */
    public static MethodHandle findStatic(Lookup lookup, Class<?> refc, String name, MethodType type)
            throws NoSuchMethodException, IllegalAccessException {
        MethodHandle real = lookup.findStatic(refc, name, type);
        return ROUTED_OWNER.get(refc) ? routedHandle(real, new Key(refc, name, type), lookup) : real;
    }

    /** {@code lookup.findVirtual(refc, name, type)}; {@code printStackTrace()} is routed on any {@code Throwable}. */
    public static MethodHandle findVirtual(Lookup lookup, Class<?> refc, String name, MethodType type)
            throws NoSuchMethodException, IllegalAccessException {
        MethodHandle real = lookup.findVirtual(refc, name, type);
        Class<?> owner = routedOwner(refc);
        return ROUTED_OWNER.get(owner) ? routedHandle(real, new Key(owner, name, type), lookup) : real;
    }

    /** {@code lookup.bind(receiver, name, type)}. */
    public static MethodHandle bind(Lookup lookup, Object receiver, String name, MethodType type)
            throws NoSuchMethodException, IllegalAccessException {
        MethodHandle real = lookup.bind(receiver, name, type);
        Class<?> owner = routedOwner(receiver.getClass());
        if (!ROUTED_OWNER.get(owner)) {
            return real;
        }
        MethodHandle unbound = lookup.findVirtual(owner, name, type);
        MethodHandle routed = routedHandle(unbound, new Key(owner, name, type), lookup);
        return routed == unbound ? real
                : routed.asFixedArity().bindTo(receiver).withVarargs(real.isVarargsCollector());
    }

    /**
     * The class that declares the routed instance members that {@code refc} inherits: {@code printStackTrace()} of
     * any {@code Throwable}, {@code getParent()} of any class loader, {@code getContextClassLoader()} of any thread.
     */
    private static Class<?> routedOwner(Class<?> refc) {
        for (Class<?> owner : List.of(Throwable.class, ClassLoader.class, Thread.class)) {
            if (owner.isAssignableFrom(refc)) {
                return owner;
            }
        }
        return refc;
    }

    /**
     * {@code lookup.findClass(name)}, which loads through the lookup class's loader: refused on a lookup in a class
     * whose loader can see the node's classes ({@code lookup().in(nodeClass)}), see {@link GuestSystem#hides}.
     */
    public static Class<?> findClass(Lookup lookup, String targetName)
            throws ClassNotFoundException, IllegalAccessException {
        if (GuestSystem.hides(lookup.lookupClass().getClassLoader())) {
            throw new ClassNotFoundException(targetName + " (an in-node Java function finds classes only through"
                    + " its own class loader, not through a lookup in " + lookup.lookupClass().getName()
                    + "; see docs/security.md)");
        }
        return lookup.findClass(targetName);
    }

    /**
     * {@code MethodHandles.privateLookupIn(target, caller)}: only in a class of the caller's own function class
     * loader; a private lookup in a class of the node or the JDK is refused.
     */
    public static Lookup privateLookupIn(Class<?> targetClass, Lookup caller) throws IllegalAccessException {
        ClassLoader own = caller.lookupClass().getClassLoader();
        if (!(own instanceof FunctionClassLoader) || targetClass.getClassLoader() != own) {
            throw new IllegalAccessException("An in-node Java function gets a private lookup only in its own"
                    + " classes, not in " + targetClass.getName() + " (docs/security.md)");
        }
        return MethodHandles.privateLookupIn(targetClass, caller);
    }

    /** {@code lookup.unreflect(m)}. */
    public static MethodHandle unreflect(Lookup lookup, Method m) throws IllegalAccessException {
        MethodHandle real = lookup.unreflect(m);
        return routed(m) ? routedHandle(real, Key.of(m), lookup) : real;
    }

    /** {@code lookup.findConstructor(refc, type)}: a constructor the deploy scan forbids is refused. */
    public static MethodHandle findConstructor(Lookup lookup, Class<?> refc, MethodType type)
            throws NoSuchMethodException, IllegalAccessException {
        MethodHandle real = lookup.findConstructor(refc, type);
        if (refusesForbidden(lookup.lookupClass())) {
            checkClass(refc);
        }
        return real;
    }

    /** {@code lookup.unreflectConstructor(c)}: a constructor the deploy scan forbids is refused. */
    public static MethodHandle unreflectConstructor(Lookup lookup, Constructor<?> c) throws IllegalAccessException {
        MethodHandle real = lookup.unreflectConstructor(c);
        if (refusesForbidden(lookup.lookupClass())) {
            checkConstructor(c);
        }
        return real;
    }

    /**
     * {@code c.newInstance(args)} where the calling class is not known (see {@link #invoke(Method, Object,
     * Object[])}): refused as above, else a public constructor of a public class only.
     */
    public static Object newInstance(Constructor<?> c, Object[] args)
            throws IllegalAccessException, InstantiationException, InvocationTargetException {
        if (refusesForbidden(CALLERS.getCallerClass())) {
            checkConstructor(c);
        }
        if (Modifier.isAbstract(c.getDeclaringClass().getModifiers())) {
            throw new InstantiationException(c.getDeclaringClass().getName());
        }
        MethodHandle h = MethodHandles.publicLookup().unreflectConstructor(c).asFixedArity();
        List<Object> checked = checkedArguments(c.getParameterTypes(), args);
        try {
            return h.invokeWithArguments(checked);
        } catch (Throwable t) {
            throw new InvocationTargetException(t);
        }
    }

    /**
     * {@code c.newInstance()} where the calling class is not known: refused as above, else the public no-argument
     * constructor of a public class, whose exceptions pass through as {@code Class.newInstance}'s do.
     */
    public static Object newInstance(Class<?> c) throws Throwable {
        if (refusesForbidden(CALLERS.getCallerClass())) {
            checkClass(c);
        }
        try {
            return MethodHandles.publicLookup().findConstructor(c, MethodType.methodType(void.class)).invoke();
        } catch (NoSuchMethodException e) {
            throw new InstantiationException(c.getName());
        }
    }

    /** {@code lookup.findStaticGetter(refc, name, type)}. */
    public static MethodHandle findStaticGetter(Lookup lookup, Class<?> refc, String name, Class<?> type)
            throws NoSuchFieldException, IllegalAccessException {
        MethodHandle real = lookup.findStaticGetter(refc, name, type);
        MethodHandle standIn = standInGetter(refc, name);
        return standIn == null ? real : standIn.asType(real.type());
    }

    /** {@code lookup.unreflectGetter(f)}. */
    public static MethodHandle unreflectGetter(Lookup lookup, Field f) throws IllegalAccessException {
        MethodHandle real = lookup.unreflectGetter(f);
        MethodHandle standIn = standInGetter(f.getDeclaringClass(), f.getName());
        return standIn == null ? real : standIn.asType(real.type());
    }

    /** {@code lookup.findStaticVarHandle(decl, name, type)}; none on a field the function has its own of. */
    public static VarHandle findStaticVarHandle(Lookup lookup, Class<?> decl, String name, Class<?> type)
            throws NoSuchFieldException, IllegalAccessException {
        VarHandle real = lookup.findStaticVarHandle(decl, name, type);
        if (standInGetter(decl, name) != null) {
            throw noVarHandle(decl, name);
        }
        return real;
    }

    /** {@code lookup.unreflectVarHandle(f)}. */
    public static VarHandle unreflectVarHandle(Lookup lookup, Field f) throws IllegalAccessException {
        VarHandle real = lookup.unreflectVarHandle(f);
        if (standInGetter(f.getDeclaringClass(), f.getName()) != null) {
            throw noVarHandle(f.getDeclaringClass(), f.getName());
        }
        return real;
    }

    // ConstantBootstraps: public methods (and condy bootstraps) that read a static field by name.

    /** {@code ConstantBootstraps.getStaticFinal(lookup, name, type, declaringClass)}. */
    public static Object getStaticFinal(Lookup lookup, String name, Class<?> type, Class<?> declaringClass) {
        Object real = ConstantBootstraps.getStaticFinal(lookup, name, type, declaringClass);
        return declaringClass == System.class && standsIn(name) ? standIn(name) : real;
    }

    /** {@code ConstantBootstraps.staticFieldVarHandle(lookup, name, type, declaringClass, fieldType)}. */
    public static VarHandle staticFieldVarHandle(Lookup lookup, String name, Class<VarHandle> type,
                                                 Class<?> declaringClass, Class<?> fieldType) {
        VarHandle real = ConstantBootstraps.staticFieldVarHandle(lookup, name, type, declaringClass, fieldType);
        if (standInGetter(declaringClass, name) != null) {
            // As ConstantBootstraps reports a failed lookup.
            throw new IllegalAccessError(noVarHandle(declaringClass, name).getMessage());
        }
        return real;
    }
}
