import Kernel

/// Realistic sizes for listing and screening text (CMP2): large enough for any real product page (a marketplace title
/// is ≤ 200–500 characters, a long description a few thousand), small enough that one request cannot buy seconds of
/// screening CPU or megabytes of findings. Lengths count Unicode scalars, so piling combining marks on one visible
/// character does not slip past. Every limit breached is a 422 naming the field.
public enum ContentLimits {
    public static let title = 500
    public static let description = 20_000
    public static let attributes = 100
    public static let attributeName = 100
    public static let attributeValue = 1_000
    public static let images = 30
    public static let imageURL = 2_000
    /// Alt text and recognised (OCR) text of one image, each; also one `imageTexts` item of a screening request.
    public static let imageText = 2_000
    /// Image texts of one screening request.
    public static let imageTexts = 50
    public static let brand = 200
    public static let authorisedBrands = 100
    public static let certifications = 50

    static func length(_ s: String) -> Int { s.unicodeScalars.count }

    /// `field` at most `max` scalars.
    public static func check(_ value: String?, field: String, max: Int, into v: inout Validator) {
        guard let value, length(value) > max else { return }
        v.fail(field, "too-long", en: "\(field) must be at most \(max) characters.", zh: "\(field) 最多 \(max) 个字符。")
    }

    /// At most `max` items.
    public static func check(count: Int, field: String, max: Int, into v: inout Validator) {
        guard count > max else { return }
        v.fail(field, "too-many", en: "\(field) may have at most \(max) items.", zh: "\(field) 最多 \(max) 项。")
    }

    /// Attribute count, names and values.
    public static func check(attributes: [String: String]?, into v: inout Validator) {
        guard let attributes else { return }
        check(count: attributes.count, field: "attributes", max: Self.attributes, into: &v)
        // Name at most the first offenders: 10,000 bad keys must not produce 10,000 errors either.
        var reported = 0
        for (name, value) in attributes.sorted(by: { $0.key < $1.key }) where reported < 20 {
            if name.unicodeScalars.isEmpty || length(name) > attributeName {
                v.fail("attributes", "invalid-name", en: "Attribute names must be 1–\(attributeName) characters.",
                       zh: "属性名须为 1–\(attributeName) 个字符。")
                reported += 1
            } else if length(value) > attributeValue {
                check(value, field: "attributes.\(name)", max: attributeValue, into: &v)
                reported += 1
            }
        }
    }

    /// Images: count, URL, alt text and OCR text.
    public static func check(images: [ListingImage]?, into v: inout Validator) {
        guard let images else { return }
        check(count: images.count, field: "images", max: Self.images, into: &v)
        for (i, image) in images.prefix(Self.images).enumerated() {
            check(image.url, field: "images[\(i)].url", max: imageURL, into: &v)
            check(image.alt, field: "images[\(i)].alt", max: imageText, into: &v)
            check(image.ocrText, field: "images[\(i)].ocrText", max: imageText, into: &v)
        }
    }

    /// Every size limit of a listing save (absent fields are not checked: a PATCH keeps the stored value).
    public static func check(_ input: ListingInput, into v: inout Validator) {
        check(input.title, field: "title", max: title, into: &v)
        check(input.description, field: "description", max: description, into: &v)
        check(attributes: input.attributes, into: &v)
        check(images: input.images, into: &v)
        check(input.brand, field: "brand", max: brand, into: &v)
        check(count: input.certifications?.count ?? 0, field: "certifications", max: certifications, into: &v)
    }

    /// Every size limit of an ad-hoc screening request.
    public static func check(_ r: ScreeningRequest, into v: inout Validator) {
        check(r.title, field: "title", max: title, into: &v)
        check(r.description, field: "description", max: description, into: &v)
        check(attributes: r.attributes, into: &v)
        check(count: r.imageTexts.count, field: "imageTexts", max: imageTexts, into: &v)
        for (i, t) in r.imageTexts.prefix(imageTexts).enumerated() { check(t, field: "imageTexts[\(i)]", max: imageText, into: &v) }
        check(count: r.certifications.count, field: "certifications", max: certifications, into: &v)
        check(count: r.authorisedBrands.count, field: "authorisedBrands", max: authorisedBrands, into: &v)
        for (i, b) in r.authorisedBrands.prefix(authorisedBrands).enumerated() { check(b, field: "authorisedBrands[\(i)]", max: brand, into: &v) }
        for (i, c) in r.certifications.prefix(certifications).enumerated() { check(c, field: "certifications[\(i)]", max: 100, into: &v) }
    }
}
