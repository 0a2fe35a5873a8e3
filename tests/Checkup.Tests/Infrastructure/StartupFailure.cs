namespace Checkup.Tests.Infrastructure;

public static class StartupFailure
{
    /// <summary>
    /// The exception that stops the app from starting with <paramref name="overrides"/>. WebApplicationFactory races a
    /// failing app: Program's Run disposes the host's services, and the factory may still ask them for the host
    /// lifetime afterwards, which surfaces as ObjectDisposedException instead of the real error. The real error is
    /// deterministic, so a few tries always find it.
    /// </summary>
    public static async Task<Exception> OfAsync(IDictionary<string, string?> overrides)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var factory = new CheckupFactory(overrides);
            var error = Unwrap(Assert.ThrowsAny<Exception>(() => factory.CreateClient()));
            if (error is not ObjectDisposedException || attempt == 5)
            {
                return error;
            }
        }
    }

    private static Exception Unwrap(Exception e) => e is AggregateException { InnerExceptions.Count: 1 } aggregate ? Unwrap(aggregate.InnerExceptions[0]) : e;
}
