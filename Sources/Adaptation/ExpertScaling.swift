/// A Transformer² expert beneath another adapter set (docs/transformer2.md): the expert scales
/// the singular values first, and the set above scales those. Merged as the set above on
/// bases whose σ the expert has scaled, so each layer's composition stays exactly its own.
extension AdapterSet {
    /// `bases` with σ at each site `expert` adapts replaced by the expert's scaled values; U and
    /// Vᵀ are shared, not copied.
    public static func bases(_ bases: [LinearSite: SVFBasis], scaledBy expert: AdapterSet) -> [LinearSite: SVFBasis] {
        var scaled = bases
        for (site, z) in expert.svf {
            guard let basis = bases[site] else { continue }
            scaled[site]!.sigma = expert.composition.scaled(basis.sigma, z)
        }
        return scaled
    }

    /// This set, over `expert`: at each site the expert adapts and this set does not, z that
    /// keeps the expert's values as they are, so a merge applies the expert there too. A set with
    /// no SVF vectors takes GESAL's composition for them (z = 1 multiplies σ exactly).
    public func covering(_ expert: AdapterSet) -> AdapterSet {
        var result = self
        if svf.isEmpty { result.composition = .gesal }
        for (site, z) in expert.svf where result.svf[site] == nil {
            result.svf[site] = result.composition.identity(rank: z.count)
        }
        return result
    }
}
