using Checkup.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Checkup.Tests.Foundation;

public sealed class StartupValidationTests
{
    public static TheoryData<string, string?, string> BrokenSettings => new()
    {
        { "ConnectionStrings:Postgres", null, "ConnectionStrings__Postgres" },
        { "ConnectionStrings:Postgres", "Host=127.0.0.1;NoSuchKeyword=1", "ConnectionStrings__Postgres is malformed" },
        { "AzureWebJobsStorage", null, "AzureWebJobsStorage" },
        { "CLOUDINARY_URL", null, "CLOUDINARY_URL is not set" },
        { "CLOUDINARY_URL", "https://key:secret@cloud", "CLOUDINARY_URL is malformed" },
        { "CLOUDINARY_URL", "cloudinary://only-a-key@cloud", "CLOUDINARY_URL is malformed" },
        { "Auth:SigningKey", null, "No authentication is configured" },
        { "Auth:SigningKey", "short", "Auth__SigningKey is too short" },
        { "Auth:Audience", null, "Auth__Audience" },
        { "Auth:Issuer", null, "Auth__Issuer" },
    };

    [Theory]
    [InlineData("Password=secret", "false", "has no Password")]
    [InlineData("", "true", "Database__MigrateOnStart=false")]
    public async Task Entra_database_authentication_refuses_a_password_or_migrations_at_start(string extra, string migrateOnStart, string expected)
    {
        var connectionString = new Npgsql.NpgsqlConnectionStringBuilder(TestEnvironment.Postgres + (extra.Length > 0 ? ";" + extra : "")).ConnectionString;
        var output = await StartupFailure.OfAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = connectionString,
            ["Database:Authentication"] = "Entra",
            ["Database:MigrateOnStart"] = migrateOnStart,
        });

        Assert.Contains(nameof(OptionsValidationException), output, StringComparison.Ordinal);
        Assert.Contains(expected, output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BrokenSettings))]
    public async Task Startup_refuses_a_missing_or_malformed_setting_with_a_message_naming_it(string key, string? value, string expected)
    {
        var output = await StartupFailure.OfAsync(new Dictionary<string, string?> { [key] = value });

        Assert.Contains(nameof(OptionsValidationException), output, StringComparison.Ordinal);
        Assert.Contains(expected, output, StringComparison.Ordinal);
    }
}
