/**
 * The Graalvisor paper's benchmark functions in Java (graph, file hashing, compression, dynamic HTML, thumbnail), each
 * a {@code public static Map<String,Object> main(Map<String,Object>)} with inputs generated from the event's
 * {@code seed} by {@link io.hotvisor.benchfunctions.Inputs}, the same generator as the JavaScript and Python versions
 * in {@code bench/functions/}; and the hot-start benchmark's word count and JSON transform, whose data (a 256 KB text,
 * a 190 KB JSON document) is generated once per class loader from the fixed seed 42.
 */
package io.hotvisor.benchfunctions;
