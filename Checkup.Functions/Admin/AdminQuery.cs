using System.Globalization;
using Checkup.Core.Admin;
using Checkup.Functions.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Checkup.Functions.Admin;

/// <summary>
/// Query parameters of the admin listings, read strictly: every malformed one is named in a 400's <c>errors</c>, and
/// nothing is queried. Lists are comma separated, which is also how the Functions host passes repeated keys.
/// </summary>
public sealed class AdminQuery
{
    public const int DefaultPageSize = 50;

    private readonly Dictionary<string, string[]> _errors = [];

    public bool Valid => _errors.Count == 0;

    public string[]? Statuses(string? value, IReadOnlyCollection<string> allowed, string name = "status")
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var statuses = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct().ToArray();
        var unknown = statuses.Where(s => !allowed.Contains(s)).ToList();
        if (unknown.Count > 0 || statuses.Length == 0)
        {
            _errors[name] = [$"Unknown {name} '{string.Join(",", unknown)}'; use one or more (comma separated) of: {string.Join(", ", allowed)}."];
            return null;
        }

        return statuses;
    }

    /// <summary>An ISO 8601 instant; without an offset it is taken as UTC (a bare date is that day's midnight UTC).</summary>
    public DateTime? Instant(string? value, string name)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (!DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
        {
            _errors[name] = [$"'{Shorten(value)}' is not an ISO 8601 instant, e.g. 2026-03-01T00:00:00Z or 2026-03-01."];
            return null;
        }

        return instant.UtcDateTime;
    }

    public void Range(DateTime? from, DateTime? to, string fromName, string toName)
    {
        if (from is { } f && to is { } t && f >= t)
        {
            _errors[toName] = [$"'{toName}' must be later than '{fromName}' (the range is [from, to))."];
        }
    }

    public int Limit(string? value, int max)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return Math.Min(DefaultPageSize, max);
        }

        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) || limit < 1 || limit > max)
        {
            _errors["limit"] = [$"'limit' must be a whole number from 1 to {max}."];
            return 1;
        }

        return limit;
    }

    public PageCursor? Cursor(string? value, string kind)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (!PageCursor.TryDecode(kind, value, out var cursor))
        {
            _errors["cursor"] = ["Not a cursor of this listing: pass 'nextCursor' from the previous page as it is."];
            return null;
        }

        return cursor;
    }

    public BadRequest<ProblemDetails> Invalid() =>
        Problem.BadRequest("bad_request", "Invalid query", "One or more query parameters are malformed; 'errors' names them.",
            new Dictionary<string, object?> { ["errors"] = _errors });

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "...";
}
