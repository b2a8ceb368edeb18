package io.hotvisor.runtime;

import java.io.IOException;
import java.net.URI;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AccessMode;
import java.nio.file.DirectoryStream;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.util.Map;
import java.util.Set;

import org.graalvm.polyglot.io.FileSystem;

/**
 * What a guest sees of the disk: its own bundle, read-only, and nothing else. Relative paths resolve against the
 * bundle root (as a Lambda function's working directory is its code). A path outside the bundle, including one
 * reached through a symbolic link, fails as {@link AccessDeniedException}, which guests see as
 * {@code PermissionError} / an {@code Error}.
 */
final class BundleFileSystem implements FileSystem {
    private final FileSystem delegate = FileSystem.newReadOnlyFileSystem(FileSystem.newDefaultFileSystem());
    private final Path root;

    private BundleFileSystem(Path root) {
        this.root = root;
    }

    /** The file system of a bundle; {@code root} must exist. */
    static BundleFileSystem of(Path root) {
        try {
            return new BundleFileSystem(root.toRealPath());
        } catch (IOException e) {
            throw DeployException.code("The function's bundle directory " + root + " cannot be read: " + e.getMessage(), e);
        }
    }

    Path root() {
        return root;
    }

    private Path checked(Path path) throws IOException {
        Path absolute = toAbsolutePath(path).normalize();
        if (!absolute.startsWith(root)) {
            throw denied(path);
        }
        try {
            Path real = delegate.toRealPath(absolute);
            if (!real.startsWith(root)) {
                throw denied(path);
            }
            return real;
        } catch (NoSuchFileException e) {
            return absolute;
        }
    }

    private static AccessDeniedException denied(Path path) {
        return new AccessDeniedException(path.toString(), null, "outside the function's bundle");
    }

    @Override
    public Path parsePath(URI uri) {
        return delegate.parsePath(uri);
    }

    @Override
    public Path parsePath(String path) {
        return delegate.parsePath(path);
    }

    @Override
    public void checkAccess(Path path, Set<? extends AccessMode> modes, LinkOption... linkOptions) throws IOException {
        delegate.checkAccess(checked(path), modes, linkOptions);
    }

    @Override
    public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
        delegate.createDirectory(checked(dir), attrs);
    }

    @Override
    public void delete(Path path) throws IOException {
        delegate.delete(checked(path));
    }

    @Override
    public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        return delegate.newByteChannel(checked(path), options, attrs);
    }

    @Override
    public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter) throws IOException {
        return delegate.newDirectoryStream(checked(dir), filter);
    }

    @Override
    public Path toAbsolutePath(Path path) {
        return path.isAbsolute() ? path : root.resolve(path);
    }

    /** Paths already resolve against the bundle root; no other working directory is allowed. */
    @Override
    public void setCurrentWorkingDirectory(Path currentWorkingDirectory) {
        if (!toAbsolutePath(currentWorkingDirectory).normalize().equals(root)) {
            throw new IllegalArgumentException("The working directory of a sandbox is its bundle root " + root);
        }
    }

    @Override
    public Path toRealPath(Path path, LinkOption... linkOptions) throws IOException {
        return delegate.toRealPath(checked(path), linkOptions);
    }

    @Override
    public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options) throws IOException {
        return delegate.readAttributes(checked(path), attributes, options);
    }
}
