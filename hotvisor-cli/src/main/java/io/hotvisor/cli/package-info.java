/**
 * The {@code hotvisor} command-line client: deploys, invokes, lists, describes and deletes functions, and manages
 * namespaces and keys, on a node through the node's HTTP API (v1, see {@code shared/DESIGN.md}). {@link io.hotvisor.cli.Main} is the entry point;
 * everything else is package-private: one picocli command class per command, {@code NodeClient} for HTTP and
 * {@code DeployCode} and {@code FunctionFolder} for turning files, folders, zips and jars into a deploy request.
 */
package io.hotvisor.cli;
