# The API image. Build from the repository root: docker build -t userauth .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/UserAuth.Api/UserAuth.Api.csproj src/UserAuth.Api/
RUN dotnet restore src/UserAuth.Api/UserAuth.Api.csproj
COPY src/ src/
RUN dotnet publish src/UserAuth.Api/UserAuth.Api.csproj -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_URLS=http://+:8080 \
    Storage__Sqlite__Path=/data/userauth.db
USER $APP_UID
EXPOSE 8080
ENTRYPOINT ["dotnet", "UserAuth.Api.dll"]
