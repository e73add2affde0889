import Foundation
import Kernel
import Synchronization

public struct ScreeningRequest: Sendable {
    public var market: String?
    public var title: String?
    public var description: String?
    public var attributes: [String: String]
    public var imageTexts: [String]
    public var certifications: [String]
    public var authorisedBrands: [String]
    public init(market: String?, title: String?, description: String? = nil, attributes: [String: String] = [:],
                imageTexts: [String] = [], certifications: [String] = [], authorisedBrands: [String] = []) {
        self.market = market; self.title = title; self.description = description; self.attributes = attributes
        self.imageTexts = imageTexts; self.certifications = certifications; self.authorisedBrands = authorisedBrands
    }
}

public struct ScreeningOutcome: Sendable {
    public let market: Market
    public let result: ScreeningResult
    public let screenedAt: Date
}

/// Screens listing text against a market's catalogue (CMP2). Compiled matchers are cached per
/// market and catalogue version; an internal failure never passes a listing: it fails closed to
/// `review` with an explanatory finding.
public final class ScreeningService: Sendable {
    let clock: any WallClock
    /// Where screening CPU runs: off the request threads, bounded (CMP2).
    public let compute: ComputeLimiter
    let catalogueProvider: @Sendable () throws -> Catalogue
    struct State {
        var catalogue: Catalogue?
        var version = ""
        var screeners: [Market: Screener] = [:]
    }
    let state = Mutex(State())

    public init(clock: any WallClock, compute: ComputeLimiter = .shared,
                catalogue: @escaping @Sendable () throws -> Catalogue = { try CatalogueCSV.bundled() }) {
        self.clock = clock
        self.compute = compute
        catalogueProvider = catalogue
    }

    /// The catalogue in force (installed by `CatalogueService`, or the provider's until then).
    public func currentCatalogue() throws -> Catalogue {
        if let c = state.withLock({ $0.catalogue }) { return c }
        let c = try catalogueProvider()
        let version = c.version
        state.withLock { if $0.catalogue == nil { $0 = State(catalogue: c, version: version) } }
        return try currentCatalogue()
    }

    /// Content hash of the catalogue in force.
    public var installedVersion: String { state.withLock { $0.version } }

    /// Replaces the catalogue in force; compiled matchers of the previous one are dropped.
    public func install(_ catalogue: Catalogue) {
        let version = catalogue.version
        state.withLock { $0 = State(catalogue: catalogue, version: version) }
    }

    func screener(for market: Market) throws -> Screener {
        let catalogue = try currentCatalogue()
        if let s = state.withLock({ $0.screeners[market] }) { return s }
        let s = Screener(catalogue: catalogue, market: market)
        // Cache only if no newer catalogue was installed while compiling.
        state.withLock { if $0.version == s.catalogueVersion { $0.screeners[market] = s } }
        return s
    }

    /// Validates a request; every bad field is named.
    public func validate(_ r: ScreeningRequest) throws -> (Market, ScreeningInput) {
        var v = Validator()
        var market: Market?
        if let m = v.text(r.market, field: "market", max: 10) {
            market = Market(destination: m)
            if market == nil {
                v.fail("market", "unknown-market", en: "market must be one of \(Market.destinations.map(\.rawValue).joined(separator: ", ")).",
                       zh: "market 的取值无效，可选值：\(Market.destinations.map(\.rawValue).joined(separator: "、"))。")
            }
        }
        let title = r.title ?? ""
        if title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            v.fail("title", "required", en: "title is required.", zh: "title 为必填项。")
        }
        ContentLimits.check(r, into: &v)
        try v.finish()
        let input = ScreeningInput(title: title, description: r.description ?? "",
                                   attributes: r.attributes.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) },
                                   imageTexts: r.imageTexts)
        return (market!, input)
    }

    /// Validates on the caller's thread (cheap), then screens on the compute limiter's threads; 503 when it is full.
    public func screenOffLoop(_ request: ScreeningRequest) async throws -> ScreeningOutcome {
        let (market, input) = try validate(request)
        let context = ScreeningContext(authorisedBrands: Set(request.authorisedBrands), certificates: Set(request.certifications))
        let result = try await compute.run { [self] in screen(input, market: market, context: context) }
        return ScreeningOutcome(market: market, result: result, screenedAt: clock.now())
    }

    public func screen(_ request: ScreeningRequest) throws -> ScreeningOutcome {
        let (market, input) = try validate(request)
        let context = ScreeningContext(authorisedBrands: Set(request.authorisedBrands), certificates: Set(request.certifications))
        return ScreeningOutcome(market: market, result: screen(input, market: market, context: context), screenedAt: clock.now())
    }

    /// Never throws: a broken catalogue or engine yields `review`, never `pass`.
    public func screen(_ input: ScreeningInput, market: Market, context: ScreeningContext) -> ScreeningResult {
        do {
            return try screener(for: market).screen(input, context: context)
        } catch {
            let f = Finding(ruleId: "engine-error", category: .restricted, term: "", matched: "", field: "*", start: 0, end: 0,
                            source: "Tradelane screening engine", severity: 5, disposition: .active,
                            reason: "screening could not run (\(error)); held for manual review")
            return ScreeningResult(verdict: .review, findings: [f], catalogueVersion: "unavailable")
        }
    }
}
