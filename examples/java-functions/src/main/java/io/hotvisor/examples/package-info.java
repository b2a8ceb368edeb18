/**
 * Example Java functions, one per handler shape the node accepts unchanged: AWS Lambda's {@code RequestHandler}
 * ({@link io.hotvisor.examples.HelloLambda}) and {@code RequestStreamHandler} ({@link io.hotvisor.examples.EchoStream}),
 * the Graalvisor static {@code main(Map)} ({@link io.hotvisor.examples.GraalvisorMain}), OpenWhisk's static
 * {@code main(JsonObject)} ({@link io.hotvisor.examples.OpenWhiskMain}) and Hotvisor's own
 * {@link io.hotvisor.api.Handler} ({@link io.hotvisor.examples.HotvisorHello}, {@link io.hotvisor.examples.Capitalize},
 * which uses a library bundled into the fat jar). Their deployments: {@code examples/java/<name>/function.json}.
 */
package io.hotvisor.examples;
