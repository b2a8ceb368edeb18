/**
 * Runs functions: a {@link io.hotvisor.runtime.FunctionRuntime} turns a {@link io.hotvisor.runtime.FunctionDefinition}
 * into a {@link io.hotvisor.runtime.LoadedFunction} (JavaScript and Python on one shared GraalVM {@code Engine} per
 * language, Java in a class loader of its own after a deploy-time scan of its jar, see docs/security.md, or with
 * {@link io.hotvisor.runtime.Isolation#PROCESS} in worker JVMs the node kills on timeout or memory excess), whose {@link io.hotvisor.runtime.Sandbox}es a
 * {@link io.hotvisor.runtime.FunctionDispatcher} pools, queues work for and bounds in time, allocation (a function's
 * {@code memoryMb}), output and result size; a {@link io.hotvisor.runtime.HeapGuard} refuses new work while the
 * node's heap is nearly full.
 *
 * <p>Every failure of an invocation is classified once, here, as an {@link io.hotvisor.runtime.InvocationFailure}
 * of one {@link io.hotvisor.runtime.InvocationFailure.Kind}; every failure to load a function is a
 * {@link io.hotvisor.runtime.DeployException} whose message names the file, line or handler at fault.
 */
package io.hotvisor.runtime;
