package org.canvaslake.lander;

import java.io.IOException;
import java.util.function.Supplier;

import org.canvaslake.common.lake.Lake;

import software.amazon.awssdk.services.s3.S3Client;

/** Where raw objects are written: S3 in production, a local directory for the demo and tests. */
public interface ObjectStore {

    /** Writes the object whole (or not at all) at {@code key}, relative to the lake root; overwrites. */
    void put(String key, byte[] bytes) throws IOException;

    /** Where this store writes, for messages. */
    String describe();

    /**
     * The store of a lake location: {@code s3://} or {@code s3a://} → S3 (the client is created only then), a local
     * directory or {@code file:} URI → that directory.
     */
    static ObjectStore forLake(String location, Supplier<S3Client> s3) {
        if (S3ObjectStore.isS3(location)) {
            return S3ObjectStore.at(location, s3.get());
        }
        Lake lake = Lake.at(location);
        if (!lake.isLocal()) {
            throw new IllegalArgumentException("The lander writes to s3:// or a local directory, not '" + location
                    + "'; give the lake as s3://bucket/prefix or a directory");
        }
        return new LocalObjectStore(lake.localRoot());
    }
}
