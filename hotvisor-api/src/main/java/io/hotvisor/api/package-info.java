/**
 * What a Java function author compiles against: {@link io.hotvisor.api.Handler} and the
 * {@link io.hotvisor.api.FunctionContext} the platform passes to it. This module has no dependencies, so a
 * function jar stays small; the node exposes exactly these types (plus the AWS Lambda and Gson types that
 * existing functions were written against) to every function's class loader.
 */
package io.hotvisor.api;
