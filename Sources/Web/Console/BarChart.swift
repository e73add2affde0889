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

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
