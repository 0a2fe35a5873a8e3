namespace Checkup.Functions.Hosting;

public static class CorsSetup
{
    /// <summary><c>Cors__AllowedOrigins</c>: the frontend's origins, comma separated (or as an array).</summary>
    public static IServiceCollection AddCheckupCors(this IServiceCollection services, IConfiguration configuration) =>
        services.AddCors(cors => cors.AddDefaultPolicy(policy =>
        {
            var section = configuration.GetSection("Cors:AllowedOrigins");
            var origins = (section.Value is { } joined ? joined.Split(',') : section.Get<string[]>() ?? [])
                .Select(o => o.Trim().TrimEnd('/'))
                .Where(o => o.Length > 0)
                .ToArray();
            policy.WithOrigins(origins)
                .AllowAnyHeader()
                .WithMethods("GET", "POST", "PUT", "DELETE")
                .WithExposedHeaders("ETag", "Location", "Retry-After")
                .SetPreflightMaxAge(TimeSpan.FromHours(1));
        }));
}
