using System.Globalization;

namespace Checkup.Functions.Triggers;

/// <summary>
/// The six-field NCRONTAB expressions the Functions timer trigger uses (<c>second minute hour day month weekday</c>),
/// with <c>*</c>, numbers, ranges, lists and steps, in UTC: enough to run CleanupImages on its function.json schedule.
/// </summary>
public sealed class CronSchedule
{
    private readonly bool[][] _allowed; // per field, which values match

    private static readonly (int Min, int Max)[] Ranges = [(0, 59), (0, 59), (0, 23), (1, 31), (1, 12), (0, 6)];

    private CronSchedule(bool[][] allowed) => _allowed = allowed;

    public static CronSchedule Parse(string expression)
    {
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 6)
        {
            throw new FormatException($"'{expression}' is not a six-field NCRONTAB expression (second minute hour day month weekday).");
        }

        return new CronSchedule(fields.Select((field, i) => ParseField(field, Ranges[i].Min, Ranges[i].Max, expression)).ToArray());
    }

    /// <summary>The first matching second strictly after <paramref name="after"/>.</summary>
    public DateTimeOffset Next(DateTimeOffset after)
    {
        var t = after.ToUniversalTime();
        t = new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, t.Minute, t.Second, TimeSpan.Zero).AddSeconds(1);
        var limit = t.AddYears(5);
        while (t < limit)
        {
            if (!_allowed[4][t.Month] || !_allowed[3][t.Day] || !_allowed[5][(int)t.DayOfWeek])
            {
                t = new DateTimeOffset(t.Year, t.Month, t.Day, 0, 0, 0, TimeSpan.Zero).AddDays(1);
            }
            else if (!_allowed[2][t.Hour])
            {
                t = new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero).AddHours(1);
            }
            else if (!_allowed[1][t.Minute])
            {
                t = new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0, TimeSpan.Zero).AddMinutes(1);
            }
            else if (!_allowed[0][t.Second])
            {
                t = t.AddSeconds(1);
            }
            else
            {
                return t;
            }
        }

        throw new InvalidOperationException("The schedule never matches.");
    }

    private static bool[] ParseField(string field, int min, int max, string expression)
    {
        var allowed = new bool[max + 1];
        foreach (var part in field.Split(','))
        {
            var (range, step) = part.Split('/') switch
            {
                [var r] => (r, 1),
                [var r, var s] when int.TryParse(s, CultureInfo.InvariantCulture, out var n) && n > 0 => (r, n),
                _ => throw Bad(expression, field),
            };
            var (from, to) = range switch
            {
                "*" => (min, max),
                _ when range.Split('-') is [var a, var b] => (Number(a, expression, field), Number(b, expression, field)),
                _ => (Number(range, expression, field), step > 1 ? max : Number(range, expression, field)),
            };
            if (from < min || to > max || from > to)
            {
                throw Bad(expression, field);
            }

            for (var v = from; v <= to; v += step)
            {
                allowed[v] = true;
            }
        }

        return allowed;
    }

    private static int Number(string text, string expression, string field) =>
        int.TryParse(text, CultureInfo.InvariantCulture, out var n) ? n : throw Bad(expression, field);

    private static FormatException Bad(string expression, string field) =>
        new($"'{field}' in the schedule '{expression}' is not supported (use *, numbers, ranges, lists and steps).");
}
