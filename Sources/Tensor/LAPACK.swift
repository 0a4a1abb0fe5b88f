import COpenBLAS

/// The LAPACK routines GESAL calls, through OpenBLAS.
public enum LAPACK {
    public struct SVDError: Error, CustomStringConvertible {
        public var info: Int32
        public var description: String { info < 0 ? "sgesdd: argument \(-info) is invalid" : "sgesdd did not converge (info \(info))" }
    }

    /// The thin SVD of a row-major `rows × columns` matrix, W = U · diag(s) · Vᵀ, by `sgesdd`
    /// (divide and conquer). Returns U (rows × r, row-major), s (r, descending) and Vᵀ
    /// (r × columns, row-major), r = min(rows, columns).
    ///
    /// LAPACK is column-major, so it sees Wᵀ; with Wᵀ = U′ S V′ᵀ, W = V′ S U′ᵀ, and the
    /// buffers LAPACK writes as U′ and V′ᵀ, read row-major, are exactly our Vᵀ and U.
    public static func svd(_ matrix: [Float], rows: Int, columns: Int) throws(SVDError) -> (u: [Float], s: [Float], vt: [Float]) {
        precondition(matrix.count == rows * columns)
        _ = BLAS.quietHelpers
        var a = matrix
        var m = Int32(columns), n = Int32(rows)
        let r = min(rows, columns)
        var lda = m, ldu = m, ldvt = Int32(r)
        var s = [Float](repeating: 0, count: r)
        var lapackU = [Float](repeating: 0, count: columns * r)   // m × r, column-major
        var lapackVT = [Float](repeating: 0, count: r * rows)     // r × n, column-major
        var iwork = [Int32](repeating: 0, count: 8 * r)
        var jobz = CChar(UInt8(ascii: "S"))
        var info: Int32 = 0
        var query: Float = 0
        var lwork: Int32 = -1
        sgesdd_(&jobz, &m, &n, &a, &lda, &s, &lapackU, &ldu, &lapackVT, &ldvt, &query, &lwork, &iwork, &info)
        guard info == 0 else { throw SVDError(info: info) }
        lwork = Int32(query)
        var work = [Float](repeating: 0, count: Int(lwork))
        sgesdd_(&jobz, &m, &n, &a, &lda, &s, &lapackU, &ldu, &lapackVT, &ldvt, &work, &lwork, &iwork, &info)
        guard info == 0 else { throw SVDError(info: info) }
        return (u: lapackVT, s: s, vt: lapackU)
    }
}
