import Kernel

/// A submitted form shown again after an error (issue 12 item 9): what was typed stays (never passwords or codes),
/// each field's error sits next to it, and a message that names no field goes above the form. Templates read
/// `{{form.fields.email.value}}`, `{{#form.fields.email.error}}`, `{{form.general}}`.
struct FormState: Sendable {
    struct Field: Sendable {
        let value: String
        var error: String?
    }

    var fields: [String: Field]
    var general: String?
    /// Sent at least once (a details box with the form stays open).
    var submitted = false

    /// Empty form (first visit).
    init() { fields = [:] }

    /// The typed values, less the secret ones, with the error's messages in the reader's language.
    init(_ values: FormFields, error: any AppError, language: Language, secret: Set<String> = ["password", "confirmation", "code", "_csrf"]) {
        var fields: [String: Field] = [:]
        for (name, value) in values.values where !secret.contains(name) { fields[name] = Field(value: value) }
        var unplaced: [String] = []
        for e in error.fieldErrors {
            if fields[e.field] == nil, !secret.contains(e.field), values[e.field] == nil { unplaced.append(e.message(language)); continue }
            let previous = fields[e.field]?.error
            fields[e.field] = Field(value: fields[e.field]?.value ?? "", error: [previous, e.message(language)].compactMap { $0 }.joined(separator: " "))
        }
        self.fields = fields
        submitted = true
        general = error.fieldErrors.isEmpty ? error.detail(language) : (unplaced.isEmpty ? nil : unplaced.joined(separator: " "))
    }
}
