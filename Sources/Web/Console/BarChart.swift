import Foundation
/// A small accessible SVG bar chart rendered on the server (no JavaScript, no CDN).
enum BarChart {
    static func svg(_ bars: [(String, Int)], title: String) -> String {
        let width = 360, barHeight = 24, gap = 10, labelWidth = 120
        let height = bars.count * (barHeight + gap) + gap
        let maxValue = max(bars.map(\.1).max() ?? 0, 1)
        var out = "<svg class=\"chart\" role=\"img\" aria-label=\"\(escape(title))\" viewBox=\"0 0 \(width) \(height)\" xmlns=\"http://www.w3.org/2000/svg\"><title>\(escape(title))</title>"
        for (i, bar) in bars.enumerated() {
            let y = gap + i * (barHeight + gap)
            let w = Int(Double(width - labelWidth - 50) * Double(bar.1) / Double(maxValue))
            out += "<text x=\"0\" y=\"\(y + 18)\" font-size=\"14\" fill=\"#1f2933\">\(escape(bar.0))</text>"
            out += "<rect x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(max(w, 2))\" height=\"\(barHeight)\" rx=\"3\" fill=\"#1d4ed8\"></rect>"
            out += "<text x=\"\(labelWidth + max(w, 2) + 6)\" y=\"\(y + 18)\" font-size=\"14\" fill=\"#1f2933\">\(bar.1)</text>"
        }
        return out + "</svg>"
    }

    /// Stacked columns, one per label (e.g. a day), one colour per series, with a legend in text (colour is not the
    /// only carrier of meaning: the page also gives the numbers in a table). Each column has its own `<title>`.
    static func stacked(_ columns: [(String, [Int])], series: [String], title: String) -> String {
        let colours = ["#15803d", "#b45309", "#b91c1c", "#1d4ed8"]
        let width = 720, height = 240, left = 36, bottom = 40, top = 28
        let plotH = height - bottom - top
        let maxValue = max(columns.map { $0.1.reduce(0, +) }.max() ?? 0, 1)
        let step = Double(width - left - 8) / Double(max(columns.count, 1))
        let barW = max(Int(step * 0.7), 2)
        var out = "<svg class=\"chart chart-stacked\" role=\"img\" aria-label=\"\(escape(title))\" viewBox=\"0 0 \(width) \(height)\" xmlns=\"http://www.w3.org/2000/svg\"><title>\(escape(title))</title>"
        // Legend and the scale's top value.
        var x = left
        for (i, name) in series.enumerated() {
            out += "<rect x=\"\(x)\" y=\"6\" width=\"12\" height=\"12\" fill=\"\(colours[i % colours.count])\"></rect>"
            out += "<text x=\"\(x + 16)\" y=\"17\" font-size=\"12\" fill=\"#1f2933\">\(escape(name))</text>"
            // Room for the text at 12 px: a CJK character is a full em wide, Latin about 0.6 em.
            x += 28 + name.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x2E80 ? 12 : 7) }
        }
        out += "<text x=\"0\" y=\"\(top + 10)\" font-size=\"11\" fill=\"#52606d\">\(maxValue)</text>"
        out += "<line x1=\"\(left)\" y1=\"\(top + plotH)\" x2=\"\(width)\" y2=\"\(top + plotH)\" stroke=\"#9aa5b1\"></line>"
        for (i, column) in columns.enumerated() {
            let cx = left + Int(Double(i) * step)
            var y = top + plotH
            let summary = zip(series, column.1).map { "\($0): \($1)" }.joined(separator: ", ")
            out += "<g><title>\(escape(column.0)) — \(escape(summary))</title>"
            for (j, value) in column.1.enumerated() where value > 0 {
                let h = max(Int(Double(plotH) * Double(value) / Double(maxValue)), 1)
                y -= h
                out += "<rect x=\"\(cx)\" y=\"\(y)\" width=\"\(barW)\" height=\"\(h)\" fill=\"\(colours[j % colours.count])\"></rect>"
            }
            out += "</g>"
            if i % 5 == 0 || i == columns.count - 1 {
                out += "<text x=\"\(cx)\" y=\"\(height - bottom + 16)\" font-size=\"11\" fill=\"#52606d\">\(escape(column.0))</text>"
            }
        }
        return out + "</svg>"
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
