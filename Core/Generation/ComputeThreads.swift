import TwinlogLinalg

/// The number of threads the model's matrix products use (OpenBLAS's pool), so callers such as
/// the CLI and benchmarks can pin it without importing the BLAS module.
public enum ComputeThreads {
    public static var count: Int {
        get { BLAS.threads }
        set { BLAS.threads = max(1, newValue) }
    }
}
