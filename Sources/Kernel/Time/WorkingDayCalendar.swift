import Foundation

/// Decides which dates are working days, and counts working days for SLA deadlines (K9).
public protocol WorkingDayCalendar: Sendable {
    var identifier: String { get }
    var timeZone: TimeZone { get }
    func isWorkingDay(_ date: LocalDate) -> Bool
    /// False when the calendar has no official data for the year and falls back to Mon–Fri.
    func covers(year: Int) -> Bool
}

extension WorkingDayCalendar {
    /// The date of the `count`-th working day strictly after `date` (the start day itself
    /// never counts, as in 民法典 第201条: 期间开始的当日不计入).
    public func workingDay(_ count: Int, after date: LocalDate) -> LocalDate {
        precondition(count >= 0)
        var d = date
        var left = count
        while left > 0 {
            d = d.adding(days: 1)
            if isWorkingDay(d) { left -= 1 }
        }
        return d
    }

    /// Deadline for "within `count` working days" of `instant`: the end of the
    /// `count`-th following working day in the calendar's zone (returned as the next
    /// midnight, exclusive).
    public func deadline(workingDays count: Int, from instant: Date) -> Date {
        let start = LocalDate(instant, in: timeZone)
        return workingDay(count, after: start).adding(days: 1).startOfDay(in: timeZone)
    }

    /// Working days in the half-open range (from, to]: how many working days elapsed.
    public func workingDays(from: LocalDate, to: LocalDate) -> Int {
        guard to > from else { return 0 }
        var n = 0
        var d = from
        while d < to {
            d = d.adding(days: 1)
            if isWorkingDay(d) { n += 1 }
        }
        return n
    }
}

/// Monday–Friday with no holidays: the default for markets without an official table here.
public struct WeekdayCalendar: WorkingDayCalendar {
    public let timeZone: TimeZone
    public var identifier: String { "weekdays:\(timeZone.identifier)" }
    public init(timeZone: TimeZone = .gmt) { self.timeZone = timeZone }
    public func isWorkingDay(_ date: LocalDate) -> Bool { !date.isWeekend }
    public func covers(year: Int) -> Bool { true }
}

/// China's official calendar: State Council holidays (放假) and make-up working days (调休上班).
/// Data lives in `Resources/cn-working-days.json`, transcribed from the notices it cites.
/// Outside the covered years it falls back to Mon–Fri and says so via `covers(year:)`.
public struct ChineseWorkingDayCalendar: WorkingDayCalendar {
    public let timeZone: TimeZone
    public let holidays: [LocalDate: String]
    public let makeUpWorkdays: [LocalDate: String]
    public let coveredYears: Set<Int>
    public let source: String
    public var identifier: String { "cn" }

    public func isWorkingDay(_ date: LocalDate) -> Bool {
        if makeUpWorkdays[date] != nil { return true }
        if holidays[date] != nil { return false }
        return !date.isWeekend
    }

    public func covers(year: Int) -> Bool { coveredYears.contains(year) }

    /// The holiday name for a day off, if it is one.
    public func holidayName(_ date: LocalDate) -> String? { holidays[date] }

    struct File: Decodable {
        struct Entry: Decodable { let date: String; let name: String }
        let source: String
        let timeZone: String
        let coveredYears: [Int]
        let holidays: [Entry]
        let makeUpWorkdays: [Entry]
    }

    public init(data: Data) throws {
        let file = try JSONDecoder().decode(File.self, from: data)
        guard let tz = TimeZone(identifier: file.timeZone) else { throw DateError.invalid(file.timeZone) }
        timeZone = tz
        source = file.source
        coveredYears = Set(file.coveredYears)
        var h: [LocalDate: String] = [:]
        for e in file.holidays { h[try LocalDate(parsing: e.date)] = e.name }
        var w: [LocalDate: String] = [:]
        for e in file.makeUpWorkdays { w[try LocalDate(parsing: e.date)] = e.name }
        holidays = h
        makeUpWorkdays = w
    }

    /// The bundled official table.
    public static let official: ChineseWorkingDayCalendar = {
        guard let url = Bundle.module.url(forResource: "cn-working-days", withExtension: "json"),
              let data = try? Data(contentsOf: url),
              let cal = try? ChineseWorkingDayCalendar(data: data)
        else { fatalError("bundled cn-working-days.json is missing or corrupt") }
        return cal
    }()
}
